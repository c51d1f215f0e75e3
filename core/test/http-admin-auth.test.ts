import { expect } from 'chai';
import { adminTokenMatches } from '../src/http/index.js';

describe('http adminTokenMatches', () => {
  const token = 's3cret-token';

  it('matches only `Bearer <token>`', () => {
    expect(adminTokenMatches(`Bearer ${token}`, token)).to.equal(true);
    expect(adminTokenMatches(`bearer ${token}`, token)).to.equal(true);
    expect(adminTokenMatches(token, token)).to.equal(false);
    expect(adminTokenMatches(`Basic ${token}`, token)).to.equal(false);
    expect(adminTokenMatches(`Bearer ${token} extra`, token)).to.equal(false);
    expect(adminTokenMatches('Bearer ', token)).to.equal(false);
  });

  it('rejects wrong, shorter, longer and missing tokens', () => {
    expect(adminTokenMatches('Bearer s3cret-tokeN', token)).to.equal(false);
    expect(adminTokenMatches('Bearer s3cret', token)).to.equal(false);
    expect(adminTokenMatches(`Bearer ${token}x`, token)).to.equal(false);
    expect(adminTokenMatches(undefined, token)).to.equal(false);
  });

  it('never matches an empty configured token', () => {
    expect(adminTokenMatches('Bearer ', '')).to.equal(false);
    expect(adminTokenMatches('Bearer x', '')).to.equal(false);
  });
});
