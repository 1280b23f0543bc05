// The script of the young person's pages and the public ones (landing, sign-in, joining).
// scripts/build_assets.py bundles this and everything it imports into one minified, content-hashed file:
// one request, cached for a year, precached by the service worker. Staff pages load staff.js instead, so
// a phone never downloads the team inbox's script.
import { startPage } from "./page.js";

startPage();
