"""The dashboard: server-rendered pages (Jinja2 + htmx + Chart.js, all shipped in the
package) over the same service layer as the API, behind an API-key login."""
