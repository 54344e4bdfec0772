// Which ssh `-o` options the dashboard may set. Anyone holding serve's token can call the API, so an option
// given through it must not run a program (ProxyCommand, LocalCommand, KnownHostsCommand, Match exec), load
// code (PKCS11Provider, SecurityKeyProvider), hand out the agent (ForwardAgent) or reach other hosts
// (ProxyJump, forwardings): an allowlist of inert options with strict values, never a denylist, which would
// miss the next option OpenSSH adds. What is not here still works from ~/.ssh/config or the config file.

/** An option as ssh reads one `-o` line: `Name=value` or `Name value`, the name in any case. */
export interface SshOption {
  name: string;
  value: string;
}

export function parseSshOption(text: string): SshOption | null {
  const match = /^\s*([A-Za-z][A-Za-z0-9]*)(?:\s*=\s*|\s+)([\s\S]*)$/.exec(text);
  return match ? { name: match[1]!, value: match[2]! } : null;
}

const yesNo = /^(?:yes|no)$/i;
const count = /^\d{1,5}$/;
/** One file, as ssh expands it (~ and %h-style tokens); no spaces, no ${VAR}, never an option-like dash. */
const file = /^[A-Za-z0-9_.,/~%@+][A-Za-z0-9_.,/~%@+-]*$/;
const word = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
/** An algorithm list; + and ^ add to or move ssh's defaults (a leading - would remove some: not needed here). */
const algorithms = /^[+^]?[A-Za-z0-9@._+-]+(?:,[A-Za-z0-9@._+-]+)*$/;

/** Allowed names (canonical spelling) and the values each takes. */
const ALLOWED: Record<string, RegExp> = {
  Port: /^(?:[1-9]\d{0,4})$/,
  User: word,
  IdentityFile: file,
  IdentitiesOnly: yesNo,
  CertificateFile: file,
  ConnectTimeout: count,
  ConnectionAttempts: count,
  ServerAliveInterval: count,
  ServerAliveCountMax: count,
  TCPKeepAlive: yesNo,
  // accept-new and no would trust (and record) a host key nobody checked.
  StrictHostKeyChecking: /^yes$/i,
  UserKnownHostsFile: file,
  GlobalKnownHostsFile: file,
  HostKeyAlias: word,
  CheckHostIP: yesNo,
  Ciphers: algorithms,
  MACs: algorithms,
  KexAlgorithms: algorithms,
  HostKeyAlgorithms: algorithms,
  PubkeyAcceptedAlgorithms: algorithms,
  PubkeyAcceptedKeyTypes: algorithms,
  CASignatureAlgorithms: algorithms,
  PreferredAuthentications: /^[a-z-]+(?:,[a-z-]+)*$/,
  PubkeyAuthentication: yesNo,
  PasswordAuthentication: yesNo,
  KbdInteractiveAuthentication: yesNo,
  GSSAPIAuthentication: yesNo,
  Compression: yesNo,
  AddressFamily: /^(?:any|inet|inet6)$/i,
  LogLevel: /^(?:quiet|fatal|error|info|verbose|debug[123]?)$/i,
};

/** Names ssh knows that the dashboard refuses, for messages in ssh's own spelling ("proxycommand" -> ProxyCommand). */
const KNOWN_REFUSED = [
  'ProxyCommand', 'ProxyJump', 'ProxyUseFdpass', 'LocalCommand', 'PermitLocalCommand', 'RemoteCommand', 'KnownHostsCommand',
  'PKCS11Provider', 'SecurityKeyProvider', 'IdentityAgent', 'ForwardAgent', 'ForwardX11', 'ForwardX11Trusted',
  'LocalForward', 'RemoteForward', 'DynamicForward', 'Tunnel', 'TunnelDevice', 'ControlMaster', 'ControlPath',
  'ControlPersist', 'Match', 'Host', 'Include', 'SendEnv', 'SetEnv', 'BatchMode', 'Hostname', 'BindAddress',
  'BindInterface', 'UpdateHostKeys', 'VerifyHostKeyDNS', 'CanonicalizeHostname', 'RequestTTY', 'SessionType',
  'StdinNull', 'ForkAfterAuthentication', 'EscapeChar', 'ExitOnForwardFailure', 'GatewayPorts', 'AddKeysToAgent',
];

const CANONICAL = new Map([...Object.keys(ALLOWED), ...KNOWN_REFUSED].map((name) => [name.toLowerCase(), name]));

/** The allowed names, for hints and README. */
export const ALLOWED_SSH_OPTIONS: readonly string[] = Object.keys(ALLOWED);

export function isAllowedSshOption(text: string): boolean {
  return apiSshOptionProblem(text) === null;
}

/**
 * Why the dashboard may not set this option, or null when it may. The message names the option in ssh's own
 * spelling and says where it can go instead.
 */
export function apiSshOptionProblem(text: string): string | null {
  if (/[\0-\x1f\x7f]/.test(text)) return 'an ssh option is one line, without control characters';
  const option = parseSshOption(text);
  if (!option) return `${JSON.stringify(text)} is not an ssh option (write Name=value, like Port=2222)`;
  const canonical = CANONICAL.get(option.name.toLowerCase()) ?? option.name;
  const values = ALLOWED[canonical];
  if (!values) return `${canonical} is not allowed here; put it in ~/.ssh/config for this host (the dashboard only sets options that run nothing: ${ALLOWED_SSH_OPTIONS.slice(0, 8).join(', ')}, …)`;
  if (!values.test(option.value)) {
    const why = canonical === 'StrictHostKeyChecking' ? 'only yes is allowed here (anything else trusts a host key nobody checked); put another value in ~/.ssh/config' : `${JSON.stringify(option.value)} is not a value accepted here (one word or path, no spaces, not starting with -)`;
    return `${canonical}: ${why}`;
  }
  return null;
}
