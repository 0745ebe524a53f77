import type { FastifyPluginAsync } from 'fastify';
import { AGENT_STREAM_PATH, ErrorCodes, PROTOCOL_NAME } from '@skolnet/shared';
import { startAgentSession } from '../ingest/agent-session.js';

/** True when a `Sec-WebSocket-Protocol` header offers the skolnet subprotocol. */
export function offersSkolnetProtocol(header: string | string[] | undefined): boolean {
  const values = Array.isArray(header) ? header : [header ?? ''];
  return values.some((v) => v.split(',').some((p) => p.trim() === PROTOCOL_NAME));
}

/**
 * The agent stream at {@link AGENT_STREAM_PATH}. Expects `@fastify/websocket`
 * registered on an ancestor (buildApp does) with `handleProtocols` picking
 * {@link PROTOCOL_NAME}; upgrades that do not offer it are refused with
 * HTTP 400 before any WebSocket exists.
 */
export const agentStreamPlugin: FastifyPluginAsync = async (app) => {
  app.get(
    AGENT_STREAM_PATH,
    {
      websocket: true,
      // The agent authenticates in its hello with its own secret.
      config: { access: 'agent' },
      preValidation: async (request, reply) => {
        if (!request.ws) {
          return reply
            .code(426)
            .header('upgrade', 'websocket')
            .send({
              code: ErrorCodes.PROTOCOL_UNEXPECTED,
              message: `${AGENT_STREAM_PATH} is a WebSocket endpoint (subprotocol ${PROTOCOL_NAME})`,
            });
        }
        if (!offersSkolnetProtocol(request.headers['sec-websocket-protocol'])) {
          return reply.code(400).send({
            code: ErrorCodes.PROTOCOL_VERSION,
            message: `WebSocket subprotocol ${PROTOCOL_NAME} required`,
          });
        }
        return undefined;
      },
    },
    (socket, request) => {
      const session = startAgentSession(socket, {
        store: app.store,
        ingest: app.ingestQueue,
        connectedAgents: app.connectedAgents,
        log: request.log,
        helloTimeoutMs: app.config.ingest.helloTimeoutMs,
        maxMalformedMessages: app.config.ingest.maxMalformedMessages,
        heartbeatIntervalMs: app.config.ingest.heartbeatIntervalMs,
        resultClock: {
          maxSkewMs: app.config.ingest.maxClockSkewMs,
          earliest: app.config.ingest.earliestResultAt,
        },
        agentClocks: app.agentClocks,
        now: app.config.now,
        metrics: app.metrics,
        ...(app.resultSink === undefined ? {} : { sink: app.resultSink }),
      });
      socket.once('close', app.agentSessions.add(session));
    },
  );
  return Promise.resolve();
};
