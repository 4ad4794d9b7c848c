/** Base of every error the product raises on purpose; `reason` is a stable machine-readable code. */
export class PflowError extends Error {
  constructor(
    readonly reason: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** One problem in a config file, with its path (`rules[3].for`) and a message. */
export interface ConfigIssue {
  readonly path: string;
  readonly message: string;
}

export class ConfigError extends PflowError {
  constructor(
    readonly source: string,
    readonly issues: readonly ConfigIssue[],
  ) {
    super(
      'invalid_config',
      `${source}: ${issues.length} error(s)\n${issues.map((i) => `  ${i.path}: ${i.message}`).join('\n')}`,
    );
  }
}
