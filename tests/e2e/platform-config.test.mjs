// Platform configuration: getPlatformConfig / updatePlatformConfig.
import { describe, it } from 'node:test';
import {
  assert, guardClientLogs, makeClient, ok, raw, USER_PREFIX, COMPANY_ID, hex24, mainAccessToken,
  assertErrorBody, ISO_MS_UTC, HEX24,
} from './lib/harness.mjs';

guardClientLogs();

// The reference's example (USER.md, updatePlatformConfig), minus the
// server-owned _id / created_at / updated_at / __v, with one correction:
// its social_tokens use "appId", which the client's models do not know
// (Facebook/Google/Accountkit are {app_id, app_secret}); sending "appId"
// makes the client log a parameter-validation warning.
function referenceConfig() {
  return {
    active: true,
    mobile_image: '',
    desktop_image: '',
    social: { facebook: true, google: true, account_kit: true },
    flash_card: { text: '', text_color: '#FFFFFF', background_color: '#EF5350' },
    register: true,
    forgot_password: true,
    login: { password: true, otp: true },
    skip_captcha: false,
    display: 'Fynd',
    subtext: 'Login to Fynd',
    name: 'Fynd',
    meta: {},
    required_fields: {
      email: { is_required: false, level: 'hard' },
      mobile: { is_required: true, level: 'hard' },
    },
    register_required_fields: {
      email: { is_required: false, level: 'hard' },
      mobile: { is_required: true, level: 'hard' },
    },
    skip_login: false,
    look_and_feel: { background_color: '#F5F5F5', card_position: 'center' },
    social_tokens: {
      google: { app_id: 'token_123' },
      facebook: { app_id: 'token_123' },
      account_kit: { app_id: 'token_123' },
    },
    session_config: { duration: 30, type: 'Days', is_rolling: false },
    delete_account_reasons: [{ reason_text: 'test', reason_id: '123', show_text_area: true }],
    delete_account_day: 7,
    delete_account_consent: { consent_text: '' },
  };
}

// Fields the server owns; everything else must come back as sent.
const SERVER_OWNED = ['_id', 'created_at', 'updated_at', '__v'];
function withoutServerFields(cfg) {
  const copy = { ...cfg };
  for (const k of SERVER_OWNED) delete copy[k];
  return copy;
}

function assertServerFields(cfg) {
  if ('_id' in cfg) assert.match(cfg._id, HEX24);
  if ('created_at' in cfg) assert.match(cfg.created_at, ISO_MS_UTC);
  if ('updated_at' in cfg) assert.match(cfg.updated_at, ISO_MS_UTC);
  if ('__v' in cfg) assert.equal(typeof cfg.__v, 'number');
}

describe('platform config', () => {
  it('a new application has a default config that matches PlatformSchema', async () => {
    const c = await makeClient();
    const cfg = await ok(c, 'getPlatformConfig');
    assertServerFields(cfg);
    for (const k of ['session_config', 'delete_account_consent']) {
      if (k in cfg) assert.ok(cfg[k] && typeof cfg[k] === 'object' && !Array.isArray(cfg[k]), `${k} must be an object: ${JSON.stringify(cfg[k])}`);
    }
  });

  it('updatePlatformConfig stores the reference example and returns it; getPlatformConfig reads it back', async () => {
    const c = await makeClient();
    const sent = referenceConfig();
    const updated = await ok(c, 'updatePlatformConfig', { body: sent });
    assertServerFields(updated);
    assert.deepEqual(withoutServerFields(updated), { ...withoutServerFields(updated), ...sent }, 'the update answer carries every field sent');
    const read = await ok(c, 'getPlatformConfig');
    assert.deepEqual(withoutServerFields(read), withoutServerFields(updated));
    if ('_id' in updated) assert.equal(read._id, updated._id);
  });

  it('round-trips what getPlatformConfig returned (including _id, created_at, __v) with one change', async () => {
    const c = await makeClient();
    await ok(c, 'updatePlatformConfig', { body: referenceConfig() });
    const current = await ok(c, 'getPlatformConfig');
    const changed = {
      ...current,
      display: 'E2E Store',
      session_config: { duration: 12, type: 'Hours', is_rolling: true },
      delete_account_consent: { consent_text: 'I understand my data will be erased.' },
      delete_account_day: 14,
    };
    const updated = await ok(c, 'updatePlatformConfig', { body: changed });
    assert.equal(updated.display, 'E2E Store');
    assert.deepEqual(updated.session_config, { duration: 12, type: 'Hours', is_rolling: true });
    assert.deepEqual(updated.delete_account_consent, { consent_text: 'I understand my data will be erased.' });
    assert.equal(updated.delete_account_day, 14);
    const read = await ok(c, 'getPlatformConfig');
    assert.equal(read.display, 'E2E Store');
    assert.deepEqual(read.session_config, updated.session_config);
    if ('_id' in current) assert.equal(read._id, current._id, '_id is stable across updates');
    if ('created_at' in current) assert.equal(read.created_at, current.created_at, 'created_at is stable across updates');
  });

  it('social_tokens keep app_id; app_secret is answered masked and kept by a round trip', async () => {
    // The service's documented choice (Features/PlatformConfig/Contracts.cs):
    // app_secret is answered as "****" + its last 4 characters (secrets of
    // 12+ characters) or "****"; sending the masked value back keeps it,
    // sending "" removes it. The client only needs a string.
    const c = await makeClient();
    const longSecret = 'g-secret-0123456789abcd';
    const body = {
      ...referenceConfig(),
      social_tokens: {
        google: { app_id: 'g-id', app_secret: longSecret },
        facebook: { app_id: 'f-id', app_secret: 'short' },
        account_kit: { app_id: 'a-id' },
      },
    };
    const updated = await ok(c, 'updatePlatformConfig', { body });
    const read = await ok(c, 'getPlatformConfig');
    for (const cfg of [updated, read]) {
      assert.equal(cfg.social_tokens.google.app_id, 'g-id');
      assert.equal(cfg.social_tokens.facebook.app_id, 'f-id');
      assert.equal(cfg.social_tokens.account_kit.app_id, 'a-id');
      assert.equal(cfg.social_tokens.google.app_secret, `****${longSecret.slice(-4)}`);
      assert.equal(cfg.social_tokens.facebook.app_secret, '****');
      assert.ok(!('app_secret' in cfg.social_tokens.account_kit), 'no secret was set for account_kit');
    }

    // a GET → POST round trip sends the masks back: the secrets stay
    const again = await ok(c, 'updatePlatformConfig', { body: { ...read, display: 'round trip' } });
    assert.deepEqual(again.social_tokens, read.social_tokens);

    // "" removes a secret
    const removed = await ok(c, 'updatePlatformConfig', {
      body: { ...read, social_tokens: { ...read.social_tokens, facebook: { app_id: 'f-id', app_secret: '' } } },
    });
    const fb = removed.social_tokens.facebook;
    assert.ok(!('app_secret' in fb) || fb.app_secret === '', `the facebook secret should be gone: ${JSON.stringify(fb)}`);
    assert.equal(removed.social_tokens.google.app_secret, `****${longSecret.slice(-4)}`);
  });

  it('each application has its own config', async () => {
    const a = await makeClient();
    const b = await makeClient();
    await ok(a, 'updatePlatformConfig', { body: { ...referenceConfig(), display: 'Store A' } });
    const bCfg = await ok(b, 'getPlatformConfig');
    assert.notEqual(bCfg.display, 'Store A');
  });

  it('the 3.4.2 client reads and writes the config too', async () => {
    const v3 = await makeClient({ version: 3 });
    const updated = await ok(v3, 'updatePlatformConfig', { body: { ...referenceConfig(), display: 'Three' } });
    assert.equal(updated.display, 'Three');
    assert.equal((await ok(v3, 'getPlatformConfig')).display, 'Three');
  });

  it('a wrongly typed field → 400 with an error body', async () => {
    const r = await raw('POST', `${USER_PREFIX(COMPANY_ID, hex24())}/platform/config`, {
      token: await mainAccessToken(),
      body: { ...referenceConfig(), session_config: { duration: 'thirty', type: 'Days', is_rolling: false } },
    });
    assert.equal(r.status, 400, r.text);
    assertErrorBody(r.json, '400 body');
  });
});
