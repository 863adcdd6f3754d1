// resshift-ts/node: what needs files (Node and Deno): training and evaluation from folders as the
// command line runs them, and the file helpers beneath them.
export { trainModel, type TrainModelOptions, type TrainModelResult } from './train-model.js';
export { evaluateFolder, type EvaluateFolderOptions, type EvaluateFolderResult } from './evaluate-folder.js';
export { encodeImageRgb8, formatOfName, listImages, readImageFile, writeImageFile, writePngFile, type OutputFormat } from '../image/files.js';
export { PngFileWriter } from './png-writer.js';
export { CheckpointFileError, findLatestCheckpoint, readCheckpointFile, saveCheckpoint } from '../resshift/checkpoint-files.js';
export { CheckpointLockError } from '../resshift/checkpoint-lock.js';
export { DatasetError, ImageSet, resolveDatasetDirs } from '../resshift/data.js';
export { ResumeError, TRAIN_DEFAULTS, Trainer, TrainConfigError, type TrainConfig, type TrainEvent, type TrainResult } from '../resshift/trainer.js';
