/**
 * @packageDocumentation
 * Test kit for cowork-gateway plugins: conformance suites for each contract and loopback fakes.
 */
export {};
