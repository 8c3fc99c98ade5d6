// Behaviour of the screens, in one file: the Content-Security-Policy allows no inline scripts.
document.addEventListener("change", (event) => {
  // <select data-autosubmit>: choosing an option applies it at once.
  if (event.target.matches("select[data-autosubmit]")) event.target.form.submit();
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
