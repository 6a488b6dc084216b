import { describe, expect, it } from 'vitest';
import { providersAwsBuiltins } from '../../src/builtins/providers-aws.ts';
import { fromJson, toJson } from '../../src/value.ts';
import { caller } from './call.ts';

const call = caller(providersAwsBuiltins);
const config = { aws_access_key: 'MYAWSACCESSKEYGOESHERE', aws_secret_access_key: 'MYAWSSECRETACCESSKEYGOESHERE', aws_service: 's3', aws_region: 'us-east-1' };
const sign = (request: object, cfg: object = config, ns: number | bigint = 1451311705000000000n) =>
  call('providers.aws.sign_req', fromJson(request), fromJson(cfg), ns);

describe('providers.aws.sign_req', () => {
  it('adds AWS SigV4 headers as OPA computes them', () => {
    expect(toJson(sign({ method: 'get', url: 'https://example.com', headers: { foo: 'bar' } })!)).toEqual({
      headers: {
        Authorization:
          'AWS4-HMAC-SHA256 Credential=MYAWSACCESSKEYGOESHERE/20151228/us-east-1/s3/aws4_request,SignedHeaders=foo;host;x-amz-content-sha256;x-amz-date,Signature=8f1dc7c9b9978356a0d0989fd26a95307f4f8a4aa264d8220647b7097d839952',
        foo: 'bar',
        host: 'example.com',
        'x-amz-content-sha256': 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
        'x-amz-date': '20151228T140825Z',
      },
      method: 'get',
      url: 'https://example.com',
    });
  });
  it('validates operands with OPA messages', () => {
    expect(() => sign({})).toThrow('operand 1 missing required request parameters(s): {"method", "url"}');
    expect(() => sign({ method: 'get', url: 'http://x' }, { example: 1 })).toThrow(
      'operand 2 missing required AWS config parameters(s): {"aws_access_key", "aws_region", "aws_secret_access_key", "aws_service"}',
    );
    expect(() => sign({ method: 'get', url: 'http://x' }, { ...config, disable_payload_signing: 'false' })).toThrow("invalid value for 'disable_payload_signing'");
    expect(() => sign({ method: 'get', url: 'http://x' }, config, -1e9)).toThrow('operand 3 could not convert time_ns value into a unix timestamp');
  });
});
