// Resolves a finished call to its CallSeries with bounded labels: per server, one series per method label and,
// for tools/call, per tool the catalog knows, up to a cap (then `_other`). Each label set is resolved once and
// kept, so recording a call is a map lookup and a few additions.
import { CallSeries } from "./call-series.ts";
import { methodLabel, OTHER_TOOL } from "./metric-labels.ts";

export class ServerCalls {
  private readonly server: string;
  private readonly maxTools: number;
  private readonly knownTool: (tool: string) => boolean;
  private readonly created: (series: CallSeries) => void;
  /** By method label (so unknown methods share `other`). */
  private readonly methods = new Map<string, CallSeries>();
  /** By the tool's own name; only tools the catalog knows are kept (their number is bounded by the catalog). */
  private readonly tools = new Map<string, CallSeries>();
  private otherTool: CallSeries | undefined;
  private toolLabels = 0;

  constructor(
    server: string,
    maxTools: number,
    knownTool: (tool: string) => boolean,
    created: (series: CallSeries) => void,
  ) {
    this.server = server;
    this.maxTools = maxTools;
    this.knownTool = knownTool;
    this.created = created;
  }

  series(method: string, tool: string | undefined): CallSeries {
    if (tool !== undefined && method === "tools/call") return this.toolSeries(tool);
    const existing = this.methods.get(method);
    if (existing) return existing;
    const label = methodLabel(method);
    let series = this.methods.get(label);
    if (!series) {
      series = this.create(label, "");
      this.methods.set(label, series);
    }
    return series;
  }

  private toolSeries(tool: string): CallSeries {
    const existing = this.tools.get(tool);
    if (existing) return existing;
    if (!this.knownTool(tool)) return this.other();
    let series: CallSeries;
    if (this.toolLabels < this.maxTools) {
      this.toolLabels++;
      series = this.create("tools/call", tool);
    } else {
      series = this.other();
    }
    this.tools.set(tool, series);
    return series;
  }

  private other(): CallSeries {
    this.otherTool ??= this.create("tools/call", OTHER_TOOL);
    return this.otherTool;
  }

  private create(method: string, tool: string): CallSeries {
    const series = new CallSeries({ server: this.server, method, tool });
    this.created(series);
    return series;
  }
}
