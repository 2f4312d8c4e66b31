import type http from 'node:http';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { createMcpServer } from '../core/api/mcpServer';
import type { McpSession } from '../core/api/mcpTools';

/**
 * One stateless MCP exchange per HTTP request (docs/architecture.md §10): no session to keep or expire, each POST
 * carries its JSON-RPC message and gets a JSON answer. The caller has already checked the token.
 */
export function mcpHttpHandler(
  session: McpSession,
  log: (line: string) => void,
): (request: http.IncomingMessage, response: http.ServerResponse) => void {
  return (request, response) => {
    const server = createMcpServer(session, '0.1.0');
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    response.on('close', () => {
      void transport.close();
      void server.close();
    });
    server
      .connect(transport)
      .then(() => transport.handleRequest(request, response))
      .catch((error: unknown) => {
        log(`serve: MCP request failed: ${(error as Error).message}`);
        if (!response.headersSent) response.writeHead(500, { 'Content-Type': 'text/plain' });
        response.end('MCP request failed\n');
      });
  };
}
