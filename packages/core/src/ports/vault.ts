/** Encrypts provider credentials at rest. The key never leaves the implementation. */
export interface Vault {
  seal(plaintext: string): string;
  open(sealed: string): string;
}
