// Matching URIs against RFC 6570 URI templates, to find which server's resource template a URI belongs to.
// Routing only needs "could this URI come from this template", so each expression matches loosely:
// simple and label/path expressions stay within one path segment, reserved (`+`, `#`) ones may span segments,
// query expressions (`?`, `&`) match an optional query part.

const EXPRESSION = /\{([+#./;?&]?)([^}]*)\}/g;

export function compileUriTemplate(template: string): RegExp {
  let pattern = "";
  let last = 0;
  for (const match of template.matchAll(EXPRESSION)) {
    pattern += escapeRegExp(template.slice(last, match.index));
    pattern += expressionPattern(match[1] ?? "");
    last = (match.index ?? 0) + match[0].length;
  }
  pattern += escapeRegExp(template.slice(last));
  return new RegExp(`^${pattern}$`);
}

function expressionPattern(operator: string): string {
  switch (operator) {
    case "+":
    case "#":
      return "(.*?)";
    case "?":
    case "&":
      return "([?&][^#]*)?";
    case "/":
      return "((?:/[^/?#]*)*)";
    default:
      return "([^/?#]*)";
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
