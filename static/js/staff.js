// The script of staff and admin pages (Trust tablets): everything a page does (page.js), and the team
// inbox's live checks, "who is looking", reply drafts that survive a timed-out session and canned replies
// (teamwork.js). Bundled like app.js into one content-hashed file; not precached (staff pages are never
// kept for offline reading), so tablets keep it in their HTTP cache.
import { startPage } from "./page.js";
import { forgetDrafts, startTeamwork } from "./teamwork.js";

// Signing out also forgets the clinician's unsent reply drafts kept on this device.
startPage({ beforeSignOut: forgetDrafts });
startTeamwork();
