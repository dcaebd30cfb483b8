export * from "./api/object-api"
export * from "./types/observablearray"
