import winston from 'winston';

/** The structured logger every component receives (JSON lines with stable keys: instance,
 * namespace, strategy, reason, ...). */
export type Logger = winston.Logger;

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';

export function createLogger(options: { level?: LogLevel; silent?: boolean } = {}): Logger {
  return winston.createLogger({
    level: options.level ?? 'info',
    silent: options.silent ?? false,
    format: winston.format.combine(winston.format.timestamp(), winston.format.json()),
    defaultMeta: { component: 'redis-operator' },
    transports: [new winston.transports.Console({ stderrLevels: ['error', 'warn', 'info', 'debug'] })],
  });
}
