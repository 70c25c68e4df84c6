// Resource handlers for the MCP conformance suite's resource scenarios
// (conformance/FIXTURES.md). Static resources are declared inline in the manifest.

/** test://watched-resource: subscribable (resources-subscribe, resources-unsubscribe). */
export const watched = () => ({ text: 'Watched resource content', mimeType: 'text/plain' });

/**
 * test://template/{id}/data (resources-templates-read): the id comes back in the JSON,
 * e.g. {"id":"123","templateTest":true,"data":"Data for ID: 123"}.
 * @param {string} uri @param {Record<string, string>} variables
 */
export const template = (uri, { id }) => ({
  mimeType: 'application/json',
  text: JSON.stringify({ id, templateTest: true, data: `Data for ID: ${id}` }),
});
