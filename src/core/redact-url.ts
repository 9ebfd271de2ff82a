// Secrets out of URLs before they are shown: logs, doctor output, health reports, recorded configurations.

/** A URL with its password replaced by `***`, for logs, doctor output and health reports. */
export function redactUrl(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  try {
    const parsed = new URL(value);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(invalid URL)";
  }
}
