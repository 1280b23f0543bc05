"""Web Push delivery: what a notification may say, the VAPID identity, and sending it.

Teamline notifies patients and staff through the browser's push service (RFC 8030) with payloads
encrypted to the subscription (RFC 8291) and signed with the server's VAPID key (RFC 8292). This
package owns all of that and nothing else: it never decides *whether* to notify (services do) and
never stores subscriptions (models do). Payloads are placeholders that never carry clinical content;
the service worker fetches the real message over the authenticated API.

``webpush`` and ``boto3`` are imported inside functions only, so importing this package costs a
Lambda cold start almost nothing.
"""
