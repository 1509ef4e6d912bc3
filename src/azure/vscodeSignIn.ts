// Signing in inside VS Code the way the Azure extensions do: the accounts VS Code already holds, through its built-in
// Microsoft authentication provider (`microsoft`; `microsoft-sovereign-cloud` for AzureChinaCloud and
// AzureUSGovernment), with the ARM and storage scopes of the pair file's cloud (src/azure/cloud.ts) and the tenant
// chosen for this project. One credential per cloud for the whole project (src/azure/credentials.ts); sessions that
// change, expire or are signed out are picked up without a reload. With amlFailover.signIn.useAzureCli the Azure
// CLI's login is used instead (src/azure/defaultChain.ts). A cloud that names a token file (the sandbox) never comes
// here: connect() reads that file itself.
import * as vscode from 'vscode';
import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/core-auth';
import type { Logger } from '../common/logger';
import { getSetting, onDidChangeSetting } from '../vscode/settings';
import { KNOWN_CLOUDS, signInCloud, vscodeSessionRequest, type CloudSetting, type PublicCloud } from './cloud';
import { cloudKey, sharedCredential, type CredentialProvider } from './credentials';
import { defaultChainCredentials } from './defaultChain';
import { connect } from './connection';
import { listTenants } from './arm';
import { QUICK_RETRY } from './retry';
import type { CloudTrust } from './trust';
import { errorMessage } from '../common/errors';
import { showError } from '../vscode/log';
import type { ExtensionDeps } from '../vscode/deps';

export const SIGN_IN_COMMAND = 'amlFailover.signIn';
export const CHOOSE_TENANT_COMMAND = 'amlFailover.chooseTenant';
/** Context key: true while a cloud of this project has no VS Code session (the view offers Sign in). */
const SIGNED_OUT_CONTEXT = 'amlFailover.signedOut';
const TENANT_KEY = 'amlFailover.signIn.tenant';
const SOVEREIGN_SETTING = 'microsoft-sovereign-cloud';

export type SignInState = 'unknown' | 'signedIn' | 'signedOut';

/** A tenant as ARM's GET /tenants lists it. */
export interface Tenant {
  tenantId: string;
  displayName?: string;
  defaultDomain?: string;
}

/** Lists the tenants an account can use (ARM GET /tenants through the given credential). */
export type ListTenants = (cloud: CloudSetting, credential: TokenCredential) => Promise<Tenant[]>;

/** When a token expires, from its `exp` claim when it is a JWT; otherwise in 5 minutes (asked again then). */
export function tokenExpiry(token: string, now = Date.now()): number {
  const payload = token.split('.')[1];
  if (payload) {
    try {
      const exp = (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp?: unknown }).exp;
      if (typeof exp === 'number' && exp * 1000 > now) return exp * 1000;
    } catch {
      // not a JWT
    }
  }
  return now + 5 * 60_000;
}

/**
 * The SDK clients' bearer policy keeps a token until it nearly expires, even after the user signed out. Told that each
 * token is already due, a client asks the project's credential before every request — answered from its cache, which
 * a session change empties — so a sign-out or a new tenant applies to the next request of every client.
 */
function askedEachTime(credential: TokenCredential): TokenCredential {
  return {
    async getToken(scopes, options) {
      const token = await credential.getToken(scopes, options);
      return token && { ...token, expiresOnTimestamp: Date.now(), refreshAfterTimestamp: undefined };
    },
  };
}

function signedOutError(cloud: PublicCloud): Error {
  return Object.assign(new Error(`You are not signed in to ${cloud.name} in VS Code: use "Sign in to Azure" in the Failover view or the Accounts menu.`), {
    name: 'CredentialUnavailableError',
  });
}

/** The project's credentials in VS Code, and its signed-in state for the view and the status bar. */
export class VsCodeSignIn implements CredentialProvider, vscode.Disposable {
  private readonly credentials = new Map<string, TokenCredential & { forget(): void }>();
  private readonly states = new Map<string, SignInState>();
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires when a session changed (signed in, out, refreshed, another tenant): tokens are to be asked for again. */
  readonly onDidChangeSessions = this.changed.event;
  private readonly stateChanged = new vscode.EventEmitter<void>();
  /** Fires when the signed-in state of a cloud changed (the view and the status bar follow). */
  readonly onDidChangeState = this.stateChanged.event;
  private readonly disposables: vscode.Disposable[] = [this.changed, this.stateChanged];
  private cliCredentials = defaultChainCredentials();

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly logger: Logger,
    private readonly listTenants: ListTenants,
  ) {
    this.disposables.push(
      vscode.authentication.onDidChangeSessions((e) => {
        if (e.provider.id === 'microsoft' || e.provider.id === SOVEREIGN_SETTING) this.sessionsChanged(`the ${e.provider.label} sessions changed`);
      }),
      onDidChangeSetting('signIn.useAzureCli', () => {
        this.cliCredentials = defaultChainCredentials();
        this.sessionsChanged('amlFailover.signIn.useAzureCli changed');
      }),
    );
    void vscode.commands.executeCommand('setContext', SIGNED_OUT_CONTEXT, false);
  }

  /** True while some cloud of this project has no VS Code session. */
  get signedOut(): boolean {
    return [...this.states.values()].includes('signedOut');
  }

  /** Signed in, out, or not yet asked: for the cloud of this project. */
  state(cloud: CloudSetting): SignInState {
    return this.states.get(cloudKey(cloud)) ?? 'unknown';
  }

  credentialFor(cloud: CloudSetting): TokenCredential {
    const known = signInCloud(cloud);
    if (!known || getSetting('signIn.useAzureCli')) return this.cliCredentials.credentialFor(cloud);
    const key = cloudKey(known);
    let credential = this.credentials.get(key);
    if (!credential) {
      credential = sharedCredential({ getToken: (scopes, options) => this.sessionToken(known, scopes, options) });
      this.credentials.set(key, credential);
    }
    return askedEachTime(credential);
  }

  /** "Sign in to Azure": VS Code's sign-in for the cloud, then the tenant (asked when the account has several). */
  async signIn(cloud: CloudSetting): Promise<boolean> {
    const known = signInCloud(cloud);
    if (!known) {
      void vscode.window.showInformationMessage(`${cloud.name} is not signed in to through VS Code: ${cloud.tokenFile ? 'its token file is used.' : 'the Azure CLI\'s login is used (az login).'}`);
      return false;
    }
    await this.selectSovereignCloud(known);
    const session = await this.session(vscodeSessionRequest(known, cloud.armScope), true);
    this.logger.info(`Signed in to ${known.name} as ${session?.account.label ?? 'your account'}.`);
    // The tenants are listed where the pair file says ARM is (its own resourceManager), never the table's default.
    await this.chooseTenant(cloud, { onlyIfSeveral: true });
    this.sessionsChanged(`signed in to ${known.name}`);
    return true;
  }

  /** Lists the account's tenants and remembers the one chosen for this project. */
  async chooseTenant(cloud: CloudSetting, options: { onlyIfSeveral?: boolean } = {}): Promise<string | undefined> {
    const known = signInCloud(cloud);
    if (!known) return undefined;
    const untenanted: TokenCredential = { getToken: (scopes, opts) => this.sessionToken(known, scopes, opts, { tenant: null, createIfNone: true }) };
    const tenants = await this.listTenants(cloud, untenanted);
    if (tenants.length === 0) return undefined;
    let chosen: Tenant | undefined = tenants.length === 1 ? tenants[0] : undefined;
    if (!chosen && options.onlyIfSeveral && this.tenant() && tenants.some((t) => t.tenantId === this.tenant())) return this.tenant();
    if (!chosen) {
      const pick = await vscode.window.showQuickPick(
        tenants.map((t) => ({ label: t.displayName ?? t.tenantId, description: t.defaultDomain, detail: t.tenantId, tenant: t })),
        { title: 'Azure tenant for this project', placeHolder: 'Your account can use several tenants: which one holds the workspaces of aml-failover.yaml?', ignoreFocusOut: true },
      );
      chosen = pick?.tenant;
    }
    if (!chosen) return undefined;
    await this.context.workspaceState.update(TENANT_KEY, chosen.tenantId);
    this.logger.info(`Tenant for this project: ${chosen.displayName ?? chosen.tenantId} (${chosen.tenantId}).`);
    this.sessionsChanged('another tenant was chosen');
    return chosen.tenantId;
  }

  /** The tenant chosen for this project (workspace state), if any. */
  tenant(): string | undefined {
    return this.context.workspaceState.get<string>(TENANT_KEY);
  }

  private async sessionToken(
    cloud: PublicCloud,
    scopes: string | string[],
    options?: GetTokenOptions,
    how: { tenant?: string | null; createIfNone?: boolean } = {},
  ): Promise<AccessToken> {
    const tenant = how.tenant === null ? undefined : (how.tenant ?? options?.tenantId ?? this.tenant());
    const session = await this.session(vscodeSessionRequest(cloud, scopes, tenant), how.createIfNone);
    if (!session) {
      this.setState(cloud, 'signedOut');
      throw signedOutError(cloud);
    }
    this.setState(cloud, 'signedIn');
    return { token: session.accessToken, expiresOnTimestamp: tokenExpiry(session.accessToken) };
  }

  /** The account's session for these scopes: silently, or (`create`) with VS Code's sign-in when there is none. */
  private async session({ provider, scopes }: ReturnType<typeof vscodeSessionRequest>, create = false): Promise<vscode.AuthenticationSession | undefined> {
    const silent = await vscode.authentication.getSession(provider, scopes, { silent: true }).then(
      (session) => session,
      // The sovereign provider registers only once microsoft-sovereign-cloud.environment names a cloud (signIn sets
      // it): until then VS Code finds no provider, which for the user means not signed in yet.
      (err: unknown) => {
        this.logger.info(`Sign-in: no session from the ${provider} authentication provider (${errorMessage(err)}).`);
        return undefined;
      },
    );
    return silent ?? (create ? vscode.authentication.getSession(provider, scopes, { createIfNone: true }) : undefined);
  }

  /** The sovereign provider serves one cloud at a time, chosen by its own setting: point it at this project's. */
  private async selectSovereignCloud(cloud: PublicCloud): Promise<void> {
    if (!cloud.sovereignEnvironment) return;
    const config = vscode.workspace.getConfiguration(SOVEREIGN_SETTING);
    if (config.get<string>('environment') === cloud.sovereignEnvironment) return;
    await config.update('environment', cloud.sovereignEnvironment, vscode.ConfigurationTarget.Global);
    this.logger.info(`Set ${SOVEREIGN_SETTING}.environment to ${cloud.sovereignEnvironment} for ${cloud.name}.`);
  }

  private setState(cloud: PublicCloud, state: SignInState): void {
    const key = cloudKey(cloud);
    if (this.states.get(key) === state) return;
    this.states.set(key, state);
    void vscode.commands.executeCommand('setContext', SIGNED_OUT_CONTEXT, this.signedOut);
    this.stateChanged.fire();
  }

  private sessionsChanged(why: string): void {
    this.logger.info(`Sign-in: ${why}; tokens are asked for again.`);
    for (const credential of this.credentials.values()) credential.forget();
    this.states.clear();
    void vscode.commands.executeCommand('setContext', SIGNED_OUT_CONTEXT, false);
    this.stateChanged.fire();
    this.changed.fire();
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

/** ARM GET /tenants through a connection of `cloud` whose credential is `credential`. */
function armTenants(trust: CloudTrust, logger: Logger): ListTenants {
  return async (cloud, credential) => {
    const connection = await connect(cloud, { logger, trust, credentials: { credentialFor: () => credential }, retry: QUICK_RETRY, credentialTimeoutMs: 120_000 });
    return listTenants(connection);
  };
}

/**
 * Sign-in in VS Code: the project's credentials (deps.credentials), the "Sign in to Azure" and "Choose Azure Tenant"
 * commands, and a status-bar item offering Sign in while signed out. After every session change the views re-read.
 */
export function createSignIn(context: vscode.ExtensionContext, logger: Logger, trust: CloudTrust): VsCodeSignIn {
  const signIn = new VsCodeSignIn(context, logger, armTenants(trust, logger));
  context.subscriptions.push(signIn);
  return signIn;
}

export function registerSignIn(context: vscode.ExtensionContext, deps: ExtensionDeps, signIn: VsCodeSignIn): { statusBarText(): string | undefined } {
  const cloud = (): CloudSetting | undefined => {
    const pair = deps.project.snapshot.pair;
    return pair.state === 'valid' ? pair.config.cloud : undefined;
  };
  const item = vscode.window.createStatusBarItem('amlFailover.signIn', vscode.StatusBarAlignment.Left, 99);
  item.name = 'AML Failover: Sign in';
  item.text = '$(account) Sign in to Azure';
  item.tooltip = 'AML Failover is not signed in to Azure: health, inventory, export and replicate need your Microsoft account.';
  item.command = SIGN_IN_COMMAND;
  const follow = () => (signIn.signedOut ? item.show() : item.hide());
  context.subscriptions.push(
    item,
    signIn.onDidChangeState(follow),
    signIn.onDidChangeSessions(() => void deps.refresh.refreshAll()),
    vscode.commands.registerCommand(SIGN_IN_COMMAND, async () => {
      const c = cloud() ?? KNOWN_CLOUDS.AzureCloud;
      try {
        await signIn.signIn(c);
      } catch (err) {
        void showError(deps.log, `Could not sign in to ${c.name}: ${errorMessage(err)}`, err);
      }
    }),
    vscode.commands.registerCommand(CHOOSE_TENANT_COMMAND, async () => {
      const c = cloud() ?? KNOWN_CLOUDS.AzureCloud;
      try {
        await signIn.chooseTenant(c);
      } catch (err) {
        void showError(deps.log, `Could not list the tenants of your account: ${errorMessage(err)}`, err);
      }
    }),
  );
  follow();
  return { statusBarText: () => (signIn.signedOut ? item.text : undefined) };
}
