/**
 * oidc-provider's storage interface over the persisted dev state. Lookups other than
 * by id scan: a development server holds a handful of records.
 */
import type { Adapter, AdapterPayload } from 'oidc-provider';
import type { DevState } from './state.js';

export function createAdapterFactory(state: DevState): (model: string) => Adapter {
  return (model) => {
    const key = (id: string) => `${model}:${id}`;
    const find = (predicate: (payload: AdapterPayload) => boolean) =>
      state
        .entries(`${model}:`)
        .map(([, r]) => r.payload as AdapterPayload)
        .find(predicate);
    return {
      async upsert(id, payload, expiresIn) {
        state.set(key(id), {
          payload: { ...payload },
          ...(expiresIn !== undefined && { expiresAt: Date.now() + expiresIn * 1000 }),
        });
      },
      async find(id) {
        return state.get(key(id))?.payload as AdapterPayload | undefined;
      },
      async findByUid(uid) {
        return find((p) => p.uid === uid);
      },
      async findByUserCode(userCode) {
        return find((p) => p.userCode === userCode);
      },
      async consume(id) {
        const record = state.get(key(id));
        if (record)
          state.set(key(id), { ...record, payload: { ...record.payload, consumed: Math.floor(Date.now() / 1000) } });
      },
      async destroy(id) {
        state.delete(key(id));
      },
      async revokeByGrantId(grantId) {
        // Every model that carries this grant, not only this adapter's model.
        for (const [k, r] of state.entries('')) if (r.payload['grantId'] === grantId) state.delete(k);
      },
    };
  };
}
