"""Escalation endpoints and their display labels: plain constants (no pydantic), so screens that
only show labels (the staff timeline) need not import the checklist models."""

from __future__ import annotations

ENDPOINTS: tuple[str, ...] = ("on_call_clinician", "supervisor", "emergency_services", "no_escalation")
ENDPOINT_LABELS = {
    "on_call_clinician": "On-call clinician",
    "supervisor": "Supervisor",
    "emergency_services": "Emergency services (911)",
    "no_escalation": "No escalation, keep observing",
}
