// Asserts that `fn` throws an NtlmError with `code`, and that none of the
// `forbidden` strings (passwords) appear in its message or stack.
import { NtlmError } from "../../../provider/src/winrm/ntlm";

export function expectNtlmError(fn: () => unknown, code: NtlmError["code"], forbidden: string[] = []): NtlmError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(NtlmError);
  const err = caught as NtlmError;
  expect(err.code).toBe(code);
  for (const s of forbidden) {
    expect(err.message).not.toContain(s);
    expect(String(err.stack)).not.toContain(s);
  }
  return err;
}
