// WinRM message-level encryption over HTTP with NTLM (contract B; MS-WSMV 2.2.9.1.1): a
// SOAP body sealed with the NTLM session and framed as multipart/encrypted
// (encrypted-body.ts), the 16-byte NTLM signature as the token header. Both the client
// and the simulator use these, so the layout follows pywinrm/Windows byte for byte.

import { NtlmMessageError } from "./ntlm";
import type { NtlmSession } from "./ntlm";
import { SOAP_CONTENT_TYPE } from "./soap";
import { encryptedContentType, frameEncrypted, isEncryptedWith, SPNEGO_ENCRYPTED_PROTOCOL, unframeEncrypted } from "./encrypted-body";

const SIGNATURE_LENGTH = 16;

export const ENCRYPTED_CONTENT_TYPE = encryptedContentType(SPNEGO_ENCRYPTED_PROTOCOL);

export function encryptMessage(session: NtlmSession, plain: Buffer, innerContentType: string = SOAP_CONTENT_TYPE): Buffer {
  const { signature, sealed } = session.wrap(plain);
  return frameEncrypted(SPNEGO_ENCRYPTED_PROTOCOL, { header: signature, data: sealed }, plain.length, innerContentType);
}

function bad(why: string): NtlmMessageError {
  return new NtlmMessageError(`malformed encrypted WinRM message: ${why}`);
}

export function decryptMessage(session: NtlmSession, body: Buffer): { plain: Buffer; innerContentType: string } {
  const { header, data, originalLength, innerContentType } = unframeEncrypted(body, SPNEGO_ENCRYPTED_PROTOCOL, bad);
  if (header.length !== SIGNATURE_LENGTH) throw bad(`unexpected signature length ${header.length}`);
  // RC4 keeps lengths, so a mismatch is known before touching the session's state.
  if (data.length !== originalLength) {
    throw bad(`OriginalContent Length=${originalLength} but the sealed message is ${data.length} bytes`);
  }
  const plain = session.unwrap(data, header);
  return { plain, innerContentType };
}

export function isEncryptedContentType(contentType: string | undefined): boolean {
  return isEncryptedWith(contentType, SPNEGO_ENCRYPTED_PROTOCOL);
}
