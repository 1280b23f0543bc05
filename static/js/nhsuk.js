// NHS.UK frontend's scripts, only for the components whose behaviour Teamline's pages use. Importing the
// classes one by one (rather than initAll) lets the bundler leave out the rest: NHS.UK frontend declares
// itself free of side effects, so what is not imported is not shipped. Left out on purpose: Header (its
// script only drives the navigation and search menus, and our header has neither), Checkboxes and Radios
// (their scripts only reveal conditional questions, and we ask none), Tabs, Tables, File upload,
// Notification banner, Code and Scroll (not on any page).
import { Button, CharacterCount, createAll, ErrorSummary, PasswordInput, SkipLink } from "nhsuk-frontend";

export function startNhsuk() {
  for (const Component of [Button, CharacterCount, ErrorSummary, PasswordInput, SkipLink]) {
    createAll(Component);
  }
}
