export {
    keys,
    values,
    entries,
    set,
    remove,
    has,
    get,
} from "./internal"
