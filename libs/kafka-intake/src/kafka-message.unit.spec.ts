import { decodeRecord, type KafkaRecord } from './kafka-message';

const event = { specversion: '1.0', id: 'e1', source: 'svc', type: 'task.completed', deployment: 'dep', data: { taskId: 't1' } };
const record = (value: string | Buffer | null, headers: KafkaRecord['headers'] = {}): KafkaRecord => ({
  value: typeof value === 'string' ? Buffer.from(value) : value,
  headers,
  offset: '0',
});
const bearer = (key: string) => ({ authorization: Buffer.from(`Bearer ${key}`) });

describe('decoding a Kafka record', () => {
  it('reads each record’s own key, when consecutive records carry different keys or none', () => {
    const keys = ['blk_aaaaaaaaaaaa.one', 'blk_aaaaaaaaaaaa.one', 'blk_bbbbbbbbbbbb.two', 'blk_aaaaaaaaaaaa.one'];
    expect(keys.map((key) => decodeRecord(record(JSON.stringify(event), bearer(key))).token)).toEqual(keys);
    expect(decodeRecord(record(JSON.stringify(event))).token).toBeUndefined();
    expect(decodeRecord(record(JSON.stringify(event), { authorization: Buffer.from('Basic abc') })).token).toBeUndefined();
    expect(decodeRecord(record(JSON.stringify(event), { authorization: 'bearer blk_cccccccccccc.three ' })).token).toBe('blk_cccccccccccc.three');
    // A repeated header: the last value counts.
    expect(decodeRecord(record(JSON.stringify(event), { authorization: [Buffer.from('Bearer first'), Buffer.from('Bearer last')] })).token).toBe('last');
  });

  it('takes a header sent with a null value as absent (it used to stop the intake for good)', () => {
    expect(decodeRecord(record(JSON.stringify(event), { authorization: null })).token).toBeUndefined();
    expect(decodeRecord(record(JSON.stringify(event), { authorization: [Buffer.from('Bearer first'), null] })).token).toBeUndefined();
    const binary = decodeRecord(record(JSON.stringify(event.data), { ce_specversion: '1.0', ce_id: 'e1', ce_source: 'svc', ce_type: 'task.completed', ce_deployment: 'dep', ce_subject: null, 'content-type': null }));
    expect(binary).toStrictEqual({ ok: true, event, token: undefined });
  });

  it('refuses invalid UTF-8 as invalid_json, and reads the next record normally', () => {
    const invalid = decodeRecord(record(Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d])));
    expect(invalid).toMatchObject({ ok: false, reason: 'invalid_json' });
    expect(decodeRecord(record(JSON.stringify({ ...event, data: { taskId: 'é' } })))).toMatchObject({ ok: true, event: { data: { taskId: 'é' } } });
  });

  it('reads structured and binary mode alike, and says what is wrong with a value that is not one event', () => {
    const structured = decodeRecord(record(JSON.stringify(event)));
    const binary = decodeRecord(
      record(JSON.stringify(event.data), {
        ce_specversion: '1.0',
        ce_id: 'e1',
        ce_source: 'svc',
        ce_type: 'task.completed',
        ce_deployment: 'dep',
        'content-type': 'application/json',
      }),
    );
    expect(structured).toEqual({ ok: true, event, token: undefined });
    expect(binary).toEqual({ ok: true, event, token: undefined });
    expect(decodeRecord(record('[1,2]'))).toMatchObject({ ok: false, reason: 'invalid_envelope' });
    expect(decodeRecord(record(null))).toMatchObject({ ok: false, reason: 'invalid_json', message: expect.stringContaining('empty') });
  });
});
