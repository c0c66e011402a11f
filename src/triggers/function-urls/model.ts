// Function URL settings, typed once (zod) at the edge and trusted inside.

import { z } from 'zod';

export const AuthType = z.enum(['NONE', 'AWS_IAM']);
export const InvokeMode = z.enum(['BUFFERED', 'RESPONSE_STREAM']);

// SECURITY: CORS settings are echoed into response headers; values are bounded and may not carry
// line breaks (header injection).
const HeaderToken = z
  .string()
  .max(1024)
  .regex(/^[^\r\n]*$/, 'must not contain line breaks');

export const CorsSchema = z.object({
  AllowCredentials: z.boolean().optional(),
  AllowHeaders: z.array(HeaderToken).max(100).optional(),
  AllowMethods: z
    .array(
      z
        .string()
        .max(6)
        .regex(/^(\*|[A-Z]+)$/),
    )
    .max(6)
    .optional(),
  AllowOrigins: z.array(HeaderToken.max(253)).max(100).optional(),
  ExposeHeaders: z.array(HeaderToken).max(100).optional(),
  MaxAge: z.number().int().min(0).max(86400).optional(),
});

export type Cors = z.infer<typeof CorsSchema>;

export interface FunctionUrlConfig {
  readonly urlId: string;
  readonly functionName: string;
  /** '$LATEST' or an alias name. */
  readonly qualifier: string;
  readonly authType: z.infer<typeof AuthType>;
  readonly cors?: Cors;
  readonly invokeMode: z.infer<typeof InvokeMode>;
  /** ISO 8601. */
  readonly creationTime: string;
  readonly lastModifiedTime: string;
}
