import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const awsAndEntryPoints = [
  '@aws-sdk/*',
  'aws-cdk-lib',
  'aws-cdk-lib/*',
  'constructs',
  '@middy/*',
  '@aws-lambda-powertools/*',
  'better-sqlite3',
  'nodemailer',
  'node:fs',
  'node:fs/promises',
  'node:net',
  'node:http',
  'node:https',
  'node:tls',
  'node:dns',
  'node:dgram',
];

export default tseslint.config(
  { ignores: ['dist/**', '.cache/**', 'cdk.out/**', 'node_modules/**', '.pflow/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // Tests poke at JSON bodies and fixtures; typing every response shape there buys nothing.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // Dependencies point inward: the domain knows no SDK, CDK, storage or network module,
    // and nothing from the outer layers of this repository.
    files: ['src/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: awsAndEntryPoints, message: 'The domain is pure: put I/O behind a port in src/domain/ports.ts.' },
            {
              group: [
                '**/adapters/**',
                '**/runtime/**',
                '**/cli/**',
                '**/lambdas/**',
                '**/lib/**',
                '**/delivery/**',
                '**/probes/registry*',
                '**/channels/registry*',
              ],
              message: 'The domain never imports an adapter or an entry point.',
            },
          ],
        },
      ],
    },
  },
);
