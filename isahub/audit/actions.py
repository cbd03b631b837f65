"""Every kind of audit entry the product writes. Recording an unregistered action fails,
so the auditor's filter list and the docs can never fall behind the code."""

ACTIONS: dict[str, str] = {
    "auth.login": "Signed in",
    "auth.login_failed": "Failed sign-in",
    "auth.locked_out": "Account locked after repeated failed sign-ins",
    "auth.logout": "Signed out",
    "auth.session_expired": "Session ended by the idle or absolute time limit",
    "auth.second_factor_enrolled": "Set up an authenticator app",
    "auth.second_factor_verified": "Confirmed sign-in with a code",
    "auth.second_factor_failed": "Entered a wrong sign-in code",
    "auth.recovery_code_used": "Signed in with a recovery code",
    "auth.step_up": "Confirmed identity again for a sensitive action",
    "auth.step_up_failed": "Failed to confirm identity for a sensitive action",
    "auth.vetting_refused": "Refused access because vetting is missing or out of date",
    "token.created": "Created a personal API token",
    "token.revoked": "Revoked a personal API token",
    "token.used": "Used a personal API token",
    "token.rejected": "Presented an unknown or revoked API token",
    "user.created": "Created a user account",
    "user.updated": "Changed a user account",
    "agency.created": "Created an agency",
    "agency.updated": "Changed an agency",
    "audit.viewed": "Read the audit trail",
    "audit.exported": "Exported the audit trail",
    "access.refused": "Was refused access",
}


def describe(action: str) -> str:
    return ACTIONS.get(action, action)
