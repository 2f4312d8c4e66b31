import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { MCP_TOOLS, callMcpTool, mcpInputJsonSchema, type McpSession } from './mcpTools';

/**
 * An MCP server (official SDK, low-level `Server`) over the tool catalogue of mcpTools.ts. The SDK's
 * high-level `McpServer` would validate arguments itself and answer with its own multi-line zod
 * dump; here the contract's schemas validate, and a refusal is a tool error (`isError`) carrying the
 * same one-line message the CLI prints. The transport is the host's: stdio (`switchyard mcp`) or
 * Streamable HTTP (`switchyard serve --mcp`).
 */
export function createMcpServer(session: McpSession, version: string): Server {
  const server = new Server({ name: 'switchyard', version }, { capabilities: { tools: {} } });
  const tools = MCP_TOOLS.map((entry) => ({
    name: entry.name,
    description: entry.description,
    inputSchema: mcpInputJsonSchema(entry) as { type: 'object'; [key: string]: unknown },
  }));
  server.setRequestHandler(ListToolsRequestSchema, () => ({ tools }));
  server.setRequestHandler(CallToolRequestSchema, async (request) => {
    const outcome = await callMcpTool(session, request.params.name, request.params.arguments);
    if (!outcome.ok) return { content: [{ type: 'text', text: outcome.message }], isError: true };
    return { content: [{ type: 'text', text: JSON.stringify(outcome.value, null, 2) }] };
  });
  return server;
}
