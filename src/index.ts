/**
 * lectern as a library: `import { build } from 'lectern'`.
 *
 * Everything here reports through return values and `Diagnostics`; nothing prints,
 * nothing exits. Problems with the input throw (or, from `build`, come back as)
 * `LecternError`, whose message is one line fit to show a user.
 */

// Building
export { build, buildArticle, buildBundle, buildRegistry, resolveSourceDateEpoch, validateExtraStages, validateStageNames } from './build.js';
export type { ArticleBuildResult, BuildInput } from './build.js';
export { expandInputs } from './inputs.js';
export type { ExpandedInputs } from './inputs.js';

// Plugins: the contract (one file, src/plugin.ts), the registry, and loading plugin modules
export { definePlugin, defineReader, defineEngine } from './plugin.js';
export type { LecternPlugin, Reader, ReaderInput, EngineEntry, EngineRef, EngineFactory, NormaliserEntry, StageEntry as PluginStageEntry } from './plugin.js';
export type { DraftArticle, DraftBlock } from './readers/draft.js';
export type { TtsEngine, Voice, EngineCapabilities, Synthesis, SynthesisRequest } from './tts/engine.js';
export { pickVoice } from './tts/engine.js';
export { Registry, loadEngineRef } from './plugins/registry.js';
export { builtin as builtinPlugin, createRegistry, defaultRegistry } from './plugins/builtin.js';
export { loadPluginModule, loadPlugins, toPlugin } from './config/plugin-module.js';
export type { PluginRef, PluginSpec } from './config/plugin-module.js';

// Reading articles
export { readArticle, parseArticle, loadHtmlReader, INPUT_FORMATS } from './readers/index.js';
export { describeMath } from './speech/math.js';
export type { InputFormat, ReadOptions, ReadResult } from './readers/index.js';

// The article model
export { Article as ArticleSchema, plainText } from './article/model.js';
export type { Article, Block, BlockQuote, Byline, Figure, Heading, Inline, List, Paragraph, Position, PullQuote, Separator, Source } from './article/model.js';

// Stage options: schemas (zod, re-exported so plugins use the same instance) parsed once
export { z } from 'zod';
export { resolveStageOptions } from './pipeline/options.js';
export type { StageOptions, StageOptionsInput } from './pipeline/options.js';
export { AUDIO_FORMATS, audioOptions, coverOptions, epubOptions, narrationOptions, speechOptions, transcriptOptions } from './stages/options.js';
export type { AudioOptions, CoverOptions, EpubOptions, NarrationOptions, SpeechOptions, TranscriptOptions } from './stages/options.js';

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
export type { EpubStageOptions } from './stages/epub.js';
export { jsonStage } from './stages/json.js';
// Each loads its module when it first runs.
export { epubStage, coverStage, imagesStage, speechStage, narrationStage, audioStage, transcriptStage, readAloudStage, webStage } from './stages/lazy.js';

// Third-party stages and the config file
export { loadStageModule, loadStages, toStage } from './config/stage-module.js';
export type { StageFactory, StageRef, StageSpec } from './config/stage-module.js';
export { CONFIG_FILES, defineConfig, findConfigFile, loadConfig } from './config/config.js';
export type { LecternConfig, LoadedConfig } from './config/config.js';

// Neural voices: what `lectern voices add|remove` does (the archive readers load on first use)
export { installedVoices, inspectVoiceFolder, voicesRoot, VoiceError } from './tts/voice-store.js';
export type { InstalledVoice, VoiceManifest } from './tts/voice-store.js';
export type { AddVoiceOptions } from './tts/voice-install.js';
export async function addVoice(source: string, options?: import('./tts/voice-install.js').AddVoiceOptions): Promise<import('./tts/voice-store.js').VoiceManifest> {
  return (await import('./tts/voice-install.js')).addVoice(source, options);
}
export async function removeVoice(id: string, root?: string): Promise<void> {
  return (await import('./tts/voice-install.js')).removeVoice(id, root);
}
