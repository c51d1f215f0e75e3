// mailauth 4.x ships no type declarations; these cover the parts this package uses.
declare module 'mailauth' {
  interface AuthStatus {
    result: string;
    comment?: string;
    aligned?: string | false;
  }
  interface DkimSignatureResult {
    signingDomain?: string;
    status: AuthStatus;
  }
  interface AuthenticateResult {
    dkim: { headerFrom?: string[]; results: DkimSignatureResult[] };
    spf: { status: AuthStatus; domain?: string } | false;
    dmarc: { status: AuthStatus; domain?: string; policy?: string } | false;
  }
  export function authenticate(
    input: Buffer | string,
    options: {
      ip?: string;
      helo?: string;
      sender?: string;
      mta?: string;
      resolver?: (domain: string, rrtype: string) => Promise<unknown>;
      disableArc?: boolean;
      disableBimi?: boolean;
      trustReceived?: boolean;
    },
  ): Promise<AuthenticateResult>;
}
