/**
 * The actions the node records, each with what it means. docs/audit.md lists the same with the fields each
 * sets. The list is open (see AuditAction): a module may record a new action before it is listed here, as
 * long as it is an UPPER_SNAKE code; list it here and in docs/audit.md when it lands.
 */
export const AUDIT_ACTIONS = {
  CASE_OPENED: 'a case was opened on this node',
  CASE_CLOSED: 'a case was closed',
  CASE_CLOSURE_NOT_SENT:
    'a case was closed without a CASE_CLOSED to one of its countries: no consent record ever named it (reason code)',
  CASE_ROLES_SET: 'a coordinator set the roles of the countries on a case (origin, transit, destination)',
  CASE_MANAGER_SET: "a coordinator named a country's case manager (details: the country only)",
  CASE_GUARDIAN_SET: "a coordinator recorded a child's guardian or legal representative (kind only)",
  CASE_AGE_STATUS_SET:
    'a coordinator changed the age status, with the evidence it rests on, or a referral did (evidence REFERRAL)',
  CASE_IDENTIFICATION_STATUS_SET:
    "a referral changed the person's identification status (from, to), or a coordinator recorded an identification decision (target OWNER_STATUS on this node's own case, OWN_VIEW on another country's)",
  CASE_PHASE_SET: 'a coordinator set the status of a SOP phase by hand (e.g. skipped or completed)',
  CASE_RESTRICTED: 'a peer withdrew consent: the case may no longer be shared',
  CASE_REOPENED: 'a coordinator reopened a closed case (the reason is kept among the case facts: fact id)',
  CASE_ASYLUM_CLAIM_RECORDED:
    "a coordinator recorded an asylum claim's status and dates on a case (fact id only: the claim stays among the case facts)",
  CASE_REFLECTION_PERIOD_STARTED:
    'a coordinator recorded the start of the reflection and recovery period (fact id)',
  CASE_REFLECTION_PERIOD_EXTENDED: 'a coordinator extended the reflection period, with a reason (fact id)',
  CASE_THREAT_RECORDED:
    'a coordinator recorded a threat reported on a case (fact id, whether during the reflection period): its assessments are due for review',
  LOCAL_SECRET_RECORDED:
    'a coordinator kept a local secret on a case (secret id only: the label and value stay sealed on this node)',
  LOCAL_SECRET_READ:
    "a coordinator read a local secret's value, with the reason they stated (secret id, reason; never the value)",
  LEGAL_HOLD_SET:
    'an admin or coordinator put the case under a legal hold (reason code): the retention pass leaves it alone',
  LEGAL_HOLD_LIFTED: 'the legal hold of a case was lifted (the reason code it had been set for)',
  CASE_ERASURE_REQUESTED: 'an admin asked to erase a case: a second admin confirms (four eyes)',
  CASE_ERASURE_REFUSED:
    'a confirmation of an erasure was refused (decision DENY, reason code SAME_ADMIN: the admin who asked)',
  CASE_ERASED:
    "the case's data key was destroyed: its personal data is unreadable (reason code RETENTION_EXPIRED, ADMIN_REQUEST or ERASED_BEFORE_RESTORE)",
  RISK_REVIEW_REQUIRED:
    "the case's risk assessments became due for review (cause THREAT_REPORTED, fact id, how many): a return waits for a new one",
  FAMILY_TRACING_CONDITIONS:
    "a FAMILY_TRACING_REQUEST was sent or applied: what held then, for the indicators (the request's wish flag, an asylum claim pending on the case's facts or by the request's flag)",
  RETURN_CHECKLIST_AT_DEPARTURE:
    'an ARRIVAL_CONFIRMATION was sent or applied: whether the return checklist was complete at departure, and what it lacked (codes), for the indicators',
  MESSAGE_QUEUED: 'a message passed every policy and was stored and queued for sending (decision ALLOW)',
  MESSAGE_REFUSED: 'a policy refused a message before it was queued (decision DENY, reason codes)',
  MESSAGE_CANCELLED:
    'a queued message was cancelled before it was published: its consent was withdrawn (reason code CONSENT_WITHDRAWN)',
  MESSAGE_REDACTED:
    'a queued CASE_CLOSED lost its free text before it was published: its consent was withdrawn (reason code CONSENT_WITHDRAWN, the fields in details)',
  MESSAGE_PUBLISHED: 'the broker confirmed a queued message (publisher confirm)',
  MESSAGE_RECEIVED: 'an inbound message passed every check and was applied (decision ALLOW)',
  MESSAGE_REJECTED: 'an inbound message failed a check (decision DENY, protocol reason code)',
  MESSAGE_DEAD_LETTERED: 'a rejected inbound message was moved to the dead-letter queue with its reason',
  DUPLICATE_RECEIVED: 'a message id seen before arrived again; answered again, not re-applied',
  RECEIPT_RECEIVED: 'a peer confirmed it stored one of our messages',
  REJECTION_RECEIVED: 'a peer rejected one of our messages (reason code)',
  PERSONAL_DATA_READ: "someone read a victim's personal data through the API",
  CONSENT_RECORDED: 'a consent record was added to a case',
  CONSENT_WITHDRAWN: 'a consent was withdrawn; the countries that received data were told',
  CONSENT_WITHDRAWAL_NOT_SENT:
    'a country that received data could not be sent CONSENT_WITHDRAWN (reason code): the coordinator tells it by other means',
  RISK_ASSESSED: 'a risk assessment was recorded (here or received from a peer)',
  RISK_OVERRIDDEN:
    'before four eyes: a coordinator let a message type through a HIGH risk level (older entries only)',
  RISK_OVERRIDE_REQUESTED:
    'a coordinator asked, with a written reason, to let a message type through a HIGH risk level: pending confirmation',
  RISK_OVERRIDE_CONFIRMED:
    'a second coordinator confirmed a pending override: the risk gate counts it from now on (decision ALLOW)',
  RISK_OVERRIDE_CONFIRMATION_REFUSED:
    'a confirmation of an override was refused, e.g. by the coordinator who requested it (decision DENY, reason code)',
  POLICY_DECISION: 'a policy decided something that is not itself a message step (decision, reasons)',
  STORED_DATA_INTEGRITY_FAILED:
    'an encrypted value failed authentication when read (altered, or moved from another row or column): not shown (column, row id)',
  AUDIT_CHECKPOINT_SENT: 'this node signed its audit chain head and sent it to a peer',
  AUDIT_CHECKPOINT_CONFLICT: 'a peer signed a chain head that contradicts one it signed before',
  EXPECTATIONS_CANCELLED:
    'expectations towards a country ended without a message to record it: consent was withdrawn and that country could not be told (reason code CONSENT_WITHDRAWN_UNTOLD, expectation ids in details)',
  AUDIT_VERIFIED:
    "npm run audit:verify -- --record checked this chain (no counterpart) or a peer's against its checkpoints (ALLOW or DENY, first problem as reason code)",
  EXPECTATION_OVERDUE:
    'an awaited or owed answer passed its deadline (expectation id, who owes it, deadline)',
  EXPECTATION_ESCALATED:
    'an overdue answer was escalated to the next contact of the list (level, its function)',
  EXPECTATION_ESCALATION_EXHAUSTED: 'an overdue answer: every contact of the list for its SOP was tried',
  AGENCY_REGISTERED:
    'a partner agency was registered or updated (npm run agency:add): broker user, keys, active',
  AGENCY_SUBMISSION_REFUSED:
    'an agency submission was refused before the transfer policy (unknown agency, signature, schema…; reason code)',
  AGENCY_DUPLICATE_SUBMISSION:
    'an agency request id seen before arrived again; answered again, not re-applied',
  ACCESS_DENIED:
    'the HTTP API refused a request: 401 or 403 (reason code; method, route pattern and status in details)',
  RATE_LIMITED: 'the HTTP API answered 429 (first refusal per principal or IP a minute; the rest counted)',
  LOGIN_SUCCEEDED: 'an account logged in and got a token',
  LOGIN_FAILED: 'a login was refused (UNKNOWN_ACCOUNT, WRONG_PASSWORD, ACCOUNT_LOCKED, ACCOUNT_DISABLED…)',
  ACCOUNT_LOCKED: 'too many failed logins in a row locked an account',
  ACCOUNT_CREATED: 'an account was created (name, role, agency in details)',
  ACCOUNT_DISABLED: 'an account was disabled: its tokens and API keys stopped working',
  ACCOUNT_UNLOCKED: 'an admin unlocked an account',
  API_KEY_ISSUED: 'an API key was issued for an agency account (key id in details, never the key)',
  API_KEY_REVOKED: 'an API key was revoked',
  CASE_GRANTED:
    'an auditor was granted a case (sees its personal data), or an agency by code (may submit on it, HTTP and AMQP)',
  CASE_GRANT_REVOKED: 'such a grant was taken back',
  EVIDENCE_EXPORTED:
    "an auditor exported a case's evidence bundle (ALLOW: head position and counts in details), or was refused one (DENY, CASE_NOT_GRANTED)",
  DIRECTORY_ACCEPTED:
    'the node took a new directory version (details: from, to, issuedAt, signed, anchor, trigger)',
  DIRECTORY_REFUSED:
    'the node refused a directory file and kept its version: tampered, older, unsigned, wrong anchor… (reason code; details: version, current, trigger)',
} as const;

export type KnownAuditAction = keyof typeof AUDIT_ACTIONS;

/**
 * Any known action, or a new UPPER_SNAKE code (checked when recorded and by the database). The intersection
 * keeps editor completion for the known ones while leaving the union open.
 */
export type AuditAction = KnownAuditAction | (string & Record<never, never>);

export const AUDIT_ACTION_PATTERN = /^[A-Z][A-Z0-9_]{1,63}$/;

export const AUDIT_DECISIONS = ['ALLOW', 'DENY'] as const;
export type AuditDecision = (typeof AUDIT_DECISIONS)[number];
