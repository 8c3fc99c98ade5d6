// Behaviour of the screens, in one file: the Content-Security-Policy allows no inline scripts.
document.addEventListener("change", (event) => {
  // <select data-autosubmit>: choosing an option applies it at once.
  if (event.target.matches("select[data-autosubmit]")) event.target.form.submit();
});
// <a data-shortcut="n" aria-keyshortcuts="Alt+N">: Alt and the letter follow the link in every
// browser (an accesskey needs Alt+Shift in Firefox and Ctrl+Option on a Mac, so its hint lied).
// The physical key is matched: on a Mac, Option+N types a character instead of "n" — so there
// the shortcut leaves a text field alone (Option+N then N types ñ).
const MAC = /Mac|iPhone|iPad/.test(navigator.platform);
document.addEventListener("keydown", (event) => {
  if (!event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
  if (MAC && event.target.closest("input, textarea, select, [contenteditable]")) return;
  const letter = event.code.startsWith("Key") ? event.code.slice(3).toLowerCase() : "";
  const target = letter && document.querySelector(`[data-shortcut="${letter}"]`);
  if (!target) return;
  event.preventDefault();
  target.click();
});
document.addEventListener("click", (event) => {
  const target = event.target;
  // <button data-print>: print the page.
  if (target.matches("[data-print]")) window.print();
  // <input type="checkbox" data-select-all>: tick or untick every box of its table.
  if (target.matches("input[data-select-all]")) {
    target.closest("table").querySelectorAll("tbody input[type=checkbox]")
      .forEach((box) => { box.checked = target.checked; });
  }
});
// Procurement (requisitions): the total of the ticked lines, per currency, next to
// "Create POs" (<form data-selected-total-form>, boxes with data-amount and data-currency).
document.addEventListener("change", (event) => {
  const form = event.target.closest("form[data-selected-total-form]");
  const out = form && form.querySelector("[data-selected-total]");
  if (!out) return;
  const cents = new Map();
  let count = 0;
  form.querySelectorAll("input[data-amount]:checked").forEach((box) => {
    count += 1;
    const [whole, fraction = ""] = box.dataset.amount.split(".");
    const value = BigInt(whole + fraction.padEnd(2, "0").slice(0, 2));
    cents.set(box.dataset.currency, (cents.get(box.dataset.currency) || 0n) + value);
  });
  if (!count) { out.textContent = "No lines selected."; return; }
  const money = [...cents.entries()].sort().map(([currency, value]) => {
    const negative = value < 0n;
    const digits = (negative ? -value : value).toString().padStart(3, "0");
    const whole = digits.slice(0, -2).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    return `${negative ? "-" : ""}${whole}.${digits.slice(-2)} ${currency}`;
  });
  out.textContent = `${count} line${count === 1 ? "" : "s"} selected: ${money.join(" · ")}`;
});
