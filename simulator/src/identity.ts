// Who the simulated host is and which local accounts it has.
//
// Like a workgroup Windows machine: the NetBIOS computer name is the first DNS label,
// upper-cased and cut to 15 characters, and it doubles as the NTLM "domain". An account
// may be named `user`, `.\user` or `COMPUTER\user` (case-insensitive).
//
// One administrator is the built-in Administrator (RID 500, which Windows lets you
// rename): the one marked `builtin`, else the first administrator listed. Every other
// administrator is an ordinary member of Administrators, whose token remote UAC filters
// over the network (auth.ts).

export interface Account {
  name: string;
  password: string;
  admin: boolean;
  /** The built-in Administrator account (RID 500): never filtered by remote UAC. */
  builtin: boolean;
}

export interface AccountSpec {
  name: string;
  password: string;
  admin?: boolean;
  /** Marks the built-in Administrator; default: the first administrator listed. */
  builtin?: boolean;
}

export class HostIdentity {
  readonly fqdn: string;
  /** The `hostname` command's output: the first label, as configured. */
  readonly shortName: string;
  readonly netbiosName: string;
  readonly dnsDomain: string;
  private readonly accounts: Account[];

  constructor(fqdn: string, users: AccountSpec[]) {
    this.fqdn = fqdn;
    const [first, ...rest] = fqdn.split(".");
    this.shortName = first;
    this.netbiosName = first.toUpperCase().slice(0, 15);
    this.dnsDomain = rest.join(".");
    const marked = users.some((u) => u.builtin === true);
    const firstAdmin = users.find((u) => u.admin === true);
    this.accounts = users.map((u) => ({
      name: u.name,
      password: u.password,
      admin: u.admin === true || u.builtin === true,
      builtin: marked ? u.builtin === true : u === firstAdmin,
    }));
  }

  /** Is `domain` (from NTLM or a `DOMAIN\user` name) this machine? */
  isLocalDomain(domain: string): boolean {
    const d = domain.toUpperCase();
    return d === "" || d === "." || d === this.netbiosName || d === this.fqdn.toUpperCase() || d === this.shortName.toUpperCase();
  }

  /** Find an account by a name as a client writes it: user, .\user, COMPUTER\user, user@host. */
  findAccount(nameAsGiven: string, domain = ""): Account | undefined {
    let user = nameAsGiven;
    let dom = domain;
    const bs = user.indexOf("\\");
    if (bs >= 0) {
      dom = user.slice(0, bs);
      user = user.slice(bs + 1);
    } else if (user.includes("@")) {
      const at = user.lastIndexOf("@");
      dom = user.slice(at + 1);
      user = user.slice(0, at);
    }
    if (!this.isLocalDomain(dom)) return undefined;
    const lower = user.toLowerCase();
    return this.accounts.find((a) => a.name.toLowerCase() === lower);
  }

  /** `whoami` output: computer\user, lower-case. */
  whoami(account: Account): string {
    return `${this.netbiosName}\\${account.name}`.toLowerCase();
  }
}
