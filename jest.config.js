/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/tests"],
  testMatch: ["**/*.test.ts"],
  transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.test.json" }] },
  moduleNameMapper: { "^pulumi-credssp$": "<rootDir>/provider/src/index.ts" },
  modulePathIgnorePatterns: ["<rootDir>/dist/", "<rootDir>/.tools/"],
  reporters: ["default", "<rootDir>/tests/support/summary-reporter.js"],
  testTimeout: 60000,
};
