/**
 * lectern as a library: `import { build } from 'lectern'`.
 *
 * Everything here reports through return values and `Diagnostics`; nothing prints,
 * nothing exits. Problems with the input throw (or, from `build`, come back as)
 * `LecternError`, whose message is one line fit to show a user.
 */

// Building
export { build, buildArticle, buildBundle, resolveSourceDateEpoch, validateExtraStages, validateStageNames } from './build.js';
export type { ArticleBuildResult, BuildInput } from './build.js';
export { expandInputs } from './inputs.js';
export type { ExpandedInputs } from './inputs.js';

// Reading articles
import { loadHtmlReader, loadMarkdownTables } from './readers/index.js';
export { readArticle, parseArticle, loadHtmlReader, loadMarkdownTables, INPUT_FORMATS } from './readers/index.js';
export { describeMath } from './speech/math.js';
export type { InputFormat, ReadOptions, ReadResult } from './readers/index.js';

// The article model
export { Article as ArticleSchema, plainText } from './article/model.js';
export type { Article, Block, BlockQuote, Byline, Figure, Heading, Inline, List, Paragraph, Position, PullQuote, Separator, Source } from './article/model.js';

// Diagnostics and errors
export { Diagnostic, Diagnostics, LecternError } from './article/diagnostics.js';
export type { Place, Severity } from './article/diagnostics.js';
export { StageError } from './pipeline/runner.js';

// Stages: the contract, the runner and the built-in stages
export { defineStage } from './pipeline/stage.js';
export type { Artifacts, BuildOptions, Logger, Stage, StageContext } from './pipeline/stage.js';
export type { OutputWriter } from './pipeline/output.js';
export { planStages, runStages } from './pipeline/runner.js';
export type { RunResult } from './pipeline/runner.js';
export { builtinStages, defaultStageNames } from './stages/index.js';
export type { StageEntry } from './stages/index.js';
export { epubStage } from './stages/epub.js';
export type { EpubStageOptions } from './stages/epub.js';
export { coverStage } from './stages/cover.js';
export { imagesStage } from './stages/images.js';
export { jsonStage } from './stages/json.js';
export { speechStage } from './stages/speech.js';
export { narrationStage } from './stages/narration.js';
export { audioStage } from './stages/audio.js';
export { transcriptStage } from './stages/transcript.js';
export { readAloudStage } from './stages/read-aloud.js';

// Third-party stages and the config file
export { loadStageModule, loadStages, toStage } from './config/stage-module.js';
export type { StageFactory, StageRef, StageSpec } from './config/stage-module.js';
export { CONFIG_FILES, defineConfig, findConfigFile, loadConfig } from './config/config.js';
export type { LecternConfig, LoadedConfig } from './config/config.js';

// The library's parseArticle reads saved web pages and Markdown tables synchronously: have their readers ready.
await Promise.all([loadHtmlReader(), loadMarkdownTables()]);
