// Order entry: "Customer default" in each line's Ship from names the organization it means
// (the chosen customer's default ship-from, from data-ship-from on the customer's option).
(() => {
  const customer = document.getElementById("id_customer");
  if (!customer) return;
  const name = () => {
    const chosen = customer.selectedOptions[0];
    const code = chosen ? chosen.dataset.shipFrom || "" : "";
    document.querySelectorAll("select.input-org option[value='']").forEach((option) => {
      option.textContent = code ? `Default (${code})` : "Default";
    });
  };
  customer.addEventListener("change", name);
  name();
})();
