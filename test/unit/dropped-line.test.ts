import { describe, expect, it } from 'vitest';
import { droppedMessageOf, responseIdOf } from '../../src/dropped-line.ts';

describe('dropped line - which message it was', () => {
  it('reads a response id from the leading scalar members or from the very end', () => {
    expect(responseIdOf('{"jsonrpc":"2.0","id":"a\\"b","result":{"id":1', '')).toBe('a"b');
    expect(responseIdOf('{"result":{"content":[{"id":5', '"x"}]},"jsonrpc":"2.0","id":12}')).toBe(12);
    expect(responseIdOf('{"error":{"code":1', '"jsonrpc":"2.0","id":-4}\r')).toBe(-4);
  });

  it('does not take a nested id for the message id', () => {
    expect(responseIdOf('{"result":{"content":[{"id":5', '"x","id":9}]}}')).toBeUndefined();
    expect(droppedMessageOf('{"params":{"arguments":{"id":5', '"x","id":9}}}')).toEqual({ response: false, id: undefined });
  });

  it('tells a request from a response, and gives no response id for a request', () => {
    expect(responseIdOf('{"method":"x","id":1,"params":{', '"id":2}')).toBeUndefined();
    expect(droppedMessageOf('{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"a', 'xx"}}}')).toEqual({ response: false, id: 7 });
    expect(droppedMessageOf('{"method":"tools/call","params":{"name":"a', '"jsonrpc":"2.0","id":"r-1"}\r')).toEqual({ response: false, id: 'r-1' });
    expect(droppedMessageOf('{"jsonrpc":"2.0","method":"notifications/message","params":{', '}}')).toEqual({ response: false, id: undefined });
    expect(droppedMessageOf('{"jsonrpc":"2.0","id":3,"result":{', '}}')).toEqual({ response: true, id: 3 });
  });

  it('is no message when the head is not a JSON-RPC object', () => {
    expect(droppedMessageOf('[{"jsonrpc":"2.0","id":1,"method":"x"', '}]')).toBeUndefined();
    expect(droppedMessageOf('aaaa', 'bbbb')).toBeUndefined();
  });
});
