/** One line per step: data-step names it, data-ok says whether it did what it should. */
export function report(step: string, ok: boolean, text: string) {
  const line = document.createElement("li");
  Object.assign(line.dataset, { step, ok: String(ok) });
  line.textContent = text;
  document.getElementById("log")!.append(line);
}
