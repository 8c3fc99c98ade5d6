// Order entry: "Customer default" in each line's Ship from names the organization it means
// (the chosen customer's default ship-from, from the page's #default-ship-from JSON).
(() => {
  const customer = document.getElementById("id_customer");
  const data = document.getElementById("default-ship-from");
  if (!customer || !data) return;
  const defaults = JSON.parse(data.textContent);
  const name = () => {
    const code = defaults[customer.value] || "";
    document.querySelectorAll("select.input-org option[value='']").forEach((option) => {
      option.textContent = code ? `Default (${code})` : "Default";
    });
  };
  customer.addEventListener("change", name);
  name();
})();
