// Zod helpers for the configuration's durations: each names its unit and states its default in its description.
import { z } from "zod";

/** A duration of 0 or more milliseconds. */
export const ms = (description: string, defaultValue: number) =>
  z.number().int().min(0).default(defaultValue).describe(`${description} Milliseconds; default ${defaultValue}.`);

/** A duration of at least one millisecond. */
export const positiveMs = (description: string, defaultValue: number) =>
  z.number().int().min(1).default(defaultValue).describe(`${description} Milliseconds; default ${defaultValue}.`);
