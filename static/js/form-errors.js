// The NHS.UK error pattern, when the page's script finds a problem before the server does: the same error
// summary ("There is a problem", every problem linked to its field) and the same message next to each
// field that the server renders when scripts are off, and "Error: " before the page title. NHS.UK's own
// ErrorSummary script moves focus to the summary, and its links move focus to the field.
import { ErrorSummary } from "nhsuk-frontend";

const TITLE_PREFIX = "Error: ";

function element(tag, className, text) {
  const made = document.createElement(tag);
  if (className) made.className = className;
  if (text) made.textContent = text;
  return made;
}

/** Remove every error shown in ``slot`` (the summary) and ``form`` (field messages), however it got there. */
export function clearErrors(slot, form) {
  slot?.replaceChildren();
  form.querySelectorAll(".nhsuk-error-message").forEach((message) => {
    const field = message.id ? form.querySelector(`[aria-describedby~="${CSS.escape(message.id)}"]`) : null;
    if (field) {
      const rest = field.getAttribute("aria-describedby").split(/\s+/).filter((id) => id && id !== message.id);
      if (rest.length) field.setAttribute("aria-describedby", rest.join(" "));
      else field.removeAttribute("aria-describedby");
      field.classList.remove("nhsuk-textarea--error", "nhsuk-input--error");
    }
    message.remove();
  });
  form.querySelectorAll(".nhsuk-form-group--error").forEach((group) => group.classList.remove("nhsuk-form-group--error"));
  if (document.title.startsWith(TITLE_PREFIX)) document.title = document.title.slice(TITLE_PREFIX.length);
}

/** Show ``problems`` ([{field, message}], in the form's order) the NHS.UK way, and move focus to the summary. */
export function showErrors(slot, form, problems) {
  clearErrors(slot, form);
  const summary = element("div", "nhsuk-error-summary");
  summary.dataset.module = "nhsuk-error-summary";
  const alert = element("div");
  alert.setAttribute("role", "alert");
  const body = element("div", "nhsuk-error-summary__body");
  const list = element("ul", "nhsuk-list nhsuk-error-summary__list");
  for (const { field, message } of problems) {
    const link = element("a", "", message);
    link.href = `#${field}`;
    const item = element("li");
    item.append(link);
    list.append(item);
    markField(form, field, message);
  }
  body.append(list);
  alert.append(element("h2", "nhsuk-error-summary__heading", "There is a problem"), body);
  summary.append(alert);
  slot.append(summary);
  document.title = TITLE_PREFIX + document.title;
  new ErrorSummary(summary);  // focuses the summary, and makes its links focus their field
}

function markField(form, field, message) {
  const input = form.querySelector(`#${CSS.escape(field)}`);
  if (!input) return;
  input.closest(".nhsuk-form-group")?.classList.add("nhsuk-form-group--error");
  const shown = element("span", "nhsuk-error-message");
  shown.id = `${field}-error`;
  shown.append(element("span", "nhsuk-u-visually-hidden", "Error: "), document.createTextNode(message));
  input.before(shown);
  input.classList.add(input.tagName === "TEXTAREA" ? "nhsuk-textarea--error" : "nhsuk-input--error");
  const described = (input.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean);
  input.setAttribute("aria-describedby", [...described, shown.id].join(" "));
}
