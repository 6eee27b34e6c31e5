// Errors of the mechanism-neutral GSS layer (SPNEGO and the security-context seam).
import { WinRMError } from "../errors";

/**
 * A SPNEGO token that does not parse, an acceptor that rejected every mechanism we
 * offered, or a mechListMIC that does not verify (a downgrade of the mechanism list).
 */
export class SpnegoError extends WinRMError {
  override readonly name = "SpnegoError";
  readonly code = "WINRM_SPNEGO";
}
