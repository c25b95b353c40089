import { ConfigError, type SiftConfig } from '../config/load.js';

export type GatewayConfig = SiftConfig['gateway'];

/** Rules that tie the gateway's keys together, checked before it opens anything. */
export function checkGatewayConfig(config: GatewayConfig): void {
  if (config.maxDecompressedBytes < config.maxBodyBytes) {
    throw new ConfigError(
      `invalid configuration: gateway.maxDecompressedBytes (GATEWAY_MAX_DECOMPRESSED_BYTES) = ${config.maxDecompressedBytes}: ` +
        `must be at least gateway.maxBodyBytes (GATEWAY_MAX_BODY_BYTES) = ${config.maxBodyBytes}, or an uncompressed body that fits could never be read`,
    );
  }
  if (config.requestTimeoutMs < config.headersTimeoutMs) {
    throw new ConfigError(
      `invalid configuration: gateway.requestTimeoutMs (GATEWAY_REQUEST_TIMEOUT_MS) = ${config.requestTimeoutMs}: ` +
        `must be at least gateway.headersTimeoutMs (GATEWAY_HEADERS_TIMEOUT_MS) = ${config.headersTimeoutMs}, the headers being part of the request`,
    );
  }
}
