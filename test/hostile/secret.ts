/** A planted secret (a test card number) put into hostile inputs; it must never appear in errors, problems or logs. */
export const SECRET = '4111-1111-1111-1111';
