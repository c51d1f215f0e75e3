import { expect } from 'chai';
import { DeliveryError, classifyDeliveryFailure } from '../src/contracts/provider.js';
import { ExecutorUnavailableError } from '../src/contracts/execution-authority.js';
import { errorRegistry, GatewayError, isGatewayError } from '../src/errors.js';

describe('contract errors go through the one registry', () => {
  it('registers delivery.* and executor.unavailable with their statuses', () => {
    expect(errorRegistry.get('delivery.transient')).to.deep.equal({ status: 503 });
    expect(errorRegistry.get('delivery.rate_limited')).to.deep.equal({ status: 429 });
    expect(errorRegistry.get('delivery.permanent')).to.deep.equal({ status: 502 });
    expect(errorRegistry.get('executor.unavailable')).to.deep.equal({ status: 503 });
  });

  it('makes DeliveryError a GatewayError with a code and status per class, keeping the old constructor', () => {
    const cause = new Error('socket hang up');
    const transient = new DeliveryError('down', { kind: 'transient' }, { cause });
    expect(transient).to.be.instanceOf(GatewayError);
    expect(isGatewayError(transient, 'delivery.transient')).to.equal(true);
    expect(transient).to.include({ status: 503, expose: false, name: 'DeliveryError', message: 'down' });
    expect(transient.cause).to.equal(cause);
    expect(new DeliveryError('slow', { kind: 'rate_limited', retryAfterMs: 5 })).to.include({ code: 'delivery.rate_limited', status: 429 });
    const permanent = new DeliveryError('gone', { kind: 'permanent' });
    expect(permanent).to.include({ code: 'delivery.permanent', status: 502 });
    expect(permanent.toJSON()).to.deep.equal({ code: 'delivery.permanent', message: 'gone' });
  });

  it('keeps a provider-specific code and the classification', () => {
    const error = new DeliveryError('Telegram sendMessage failed: 403', { kind: 'permanent' }, { code: 'telegram.send_forbidden' });
    expect(isGatewayError(error, 'telegram.send_forbidden')).to.equal(true);
    expect(classifyDeliveryFailure(error)).to.deep.equal({ kind: 'permanent' });
  });

  it('makes ExecutorUnavailableError a GatewayError executor.unavailable (503)', () => {
    const error = new ExecutorUnavailableError('OpenCode is unreachable', { cause: new Error('ECONNREFUSED') });
    expect(isGatewayError(error, 'executor.unavailable')).to.equal(true);
    expect(error).to.include({ status: 503, expose: false, name: 'ExecutorUnavailableError' });
    expect(error).to.be.instanceOf(ExecutorUnavailableError);
    expect((error.cause as Error).message).to.equal('ECONNREFUSED');
  });
});
