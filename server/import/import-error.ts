/**
 * Why an import stopped on bad input: where (line, and column where the parser knows it) and what,
 * in words for the person who ran it. The CLI prints `message` alone, never a stack trace. Messages
 * name fields, never their values, so that no email or body reaches a terminal or a log.
 */
export class ImportError extends Error {
  constructor(
    /** What is wrong, without the position. */
    readonly reason: string,
    readonly where: { file?: string; line?: number; column?: number } = {},
  ) {
    super(ImportError.format(reason, where));
    this.name = 'ImportError';
  }

  /** The same error with the file name in front (parsers do not know it). */
  inFile(file: string): ImportError {
    return this.where.file ? this : new ImportError(this.reason, { ...this.where, file });
  }

  /** `file:line:column: reason` (a compiler's form, which editors link), or `line L, column C: reason` without a file. */
  private static format(reason: string, where: ImportError['where']): string {
    const { file, line, column } = where;
    if (file) return [file, line, line !== undefined ? column : undefined].filter((p) => p !== undefined).join(':') + `: ${reason}`;
    if (line !== undefined) return `line ${line}${column !== undefined ? `, column ${column}` : ''}: ${reason}`;
    return reason;
  }
}

export const isImportError = (e: unknown): e is ImportError => e instanceof ImportError;

/** The first problem a zod parse found, by field path (never the value: it may be someone's text). */
export function firstIssue(error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] }): string {
  const first = error.issues[0];
  if (!first) return 'invalid';
  const path = first.path.map(String).join('.') || 'the record';
  return `${path}: ${first.message}`;
}
