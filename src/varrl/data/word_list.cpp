#include "varrl/data/word_list.h"

#include <algorithm>
#include <unordered_set>

#include "varrl/core/rng.h"

namespace varrl {

namespace {

// Common English words, 2..9 letters (nouns, verbs, adjectives that read well on signs and posters).
const char* const kWords[] = {
    "able", "about", "above", "accept", "across", "act", "add", "adult", "after", "again",
    "age", "agent", "ago", "agree", "ahead", "air", "alarm", "album", "alert", "alive",
    "all", "allow", "almost", "alone", "along", "already", "also", "always", "amazing", "among",
    "amount", "anchor", "angel", "angle", "angry", "animal", "answer", "any", "apart", "apple",
    "april", "area", "argue", "arm", "army", "around", "arrive", "art", "artist", "ask",
    "asleep", "aunt", "autumn", "avenue", "award", "away", "baby", "back", "bacon", "bad",
    "bag", "bakery", "balance", "ball", "banana", "band", "bank", "bar", "barn", "base",
    "basic", "basket", "bath", "beach", "bean", "bear", "beard", "beat", "beauty", "become",
    "bed", "bee", "beef", "before", "begin", "behind", "believe", "bell", "belt", "bench",
    "berry", "best", "better", "between", "bicycle", "big", "bike", "bill", "bird", "birthday",
    "bit", "bitter", "black", "blade", "blank", "blanket", "blind", "block", "blood", "bloom",
    "blow", "blue", "board", "boat", "body", "boil", "bold", "bone", "bonus", "book",
    "boost", "boot", "border", "born", "boss", "both", "bottle", "bottom", "bounce", "bowl",
    "box", "boy", "brain", "branch", "brave", "bread", "break", "breeze", "brick", "bridge",
    "brief", "bright", "bring", "broad", "broken", "brother", "brown", "brush", "bubble", "bucket",
    "budget", "build", "bunny", "burger", "burn", "bus", "bush", "busy", "butter", "button",
    "buy", "cabin", "cable", "cactus", "cafe", "cage", "cake", "calm", "camera", "camp",
    "can", "canal", "candle", "candy", "cannon", "canyon", "cap", "captain", "car", "card",
    "care", "cargo", "carpet", "carrot", "carry", "cart", "case", "cash", "castle", "cat",
    "catch", "cattle", "cause", "cave", "ceiling", "cell", "center", "chain", "chair", "chalk",
    "champion", "change", "chapter", "charge", "charm", "chart", "chase", "cheap", "check", "cheese",
    "chef", "cherry", "chess", "chest", "chicken", "chief", "child", "chill", "chips", "choice",
    "choose", "church", "cinema", "circle", "city", "claim", "class", "clean", "clear", "clerk",
    "clever", "click", "cliff", "climb", "clock", "close", "closed", "cloth", "cloud", "clown",
    "club", "coach", "coal", "coast", "coat", "cocoa", "code", "coffee", "coin", "cold",
    "collect", "colony", "color", "combat", "come", "comet", "comfort", "comic", "common", "cook",
    "cookie", "cool", "copper", "copy", "coral", "corn", "corner", "cost", "cotton", "couch",
    "count", "country", "couple", "courage", "course", "court", "cousin", "cover", "cow", "cozy",
    "crab", "craft", "crane", "crash", "crazy", "cream", "create", "credit", "crew", "cricket",
    "crisp", "crop", "cross", "crowd", "crown", "cruise", "crush", "cry", "crystal", "cup",
    "cupboard", "curve", "cushion", "custom", "cut", "cute", "cycle", "dad", "daily", "dairy",
    "damage", "dance", "danger", "dark", "data", "date", "daughter", "dawn", "day", "deal",
    "dear", "debate", "decide", "deep", "deer", "defend", "degree", "delay", "delight", "deliver",
    "demand", "dense", "dentist", "deny", "depth", "desert", "design", "desk", "detail", "devil",
    "diamond", "diary", "dinner", "direct", "dirt", "dish", "divide", "doctor", "dog", "doll",
    "dollar", "dolphin", "domain", "donkey", "donut", "door", "double", "dove", "down", "dozen",
    "draft", "dragon", "drama", "draw", "dream", "dress", "drift", "drink", "drive", "drop",
    "drum", "dry", "duck", "during", "dust", "duty", "eager", "eagle", "ear", "early",
    "earn", "earth", "east", "easy", "eat", "echo", "edge", "effort", "egg", "eight",
    "elbow", "elder", "electric", "elephant", "elite", "else", "empire", "empty", "end", "enemy",
    "energy", "engine", "enjoy", "enough", "enter", "entry", "equal", "error", "escape", "estate",
    "even", "evening", "event", "ever", "every", "exact", "exam", "example", "exit", "exotic",
    "expert", "express", "extra", "eye", "fabric", "face", "fact", "factory", "fade", "fair",
    "fairy", "faith", "fall", "false", "fame", "family", "famous", "fan", "fancy", "far",
    "farm", "fashion", "fast", "father", "fault", "favor", "feast", "feather", "fee", "feel",
    "fence", "festival", "fever", "few", "fiber", "field", "fiesta", "fifth", "fight", "figure",
    "file", "film", "final", "find", "fine", "finger", "finish", "fire", "firm", "first",
    "fish", "fit", "five", "fix", "flag", "flame", "flash", "flat", "flavor", "fleet",
    "flight", "float", "flock", "floor", "flour", "flower", "fluid", "fly", "foam", "focus",
    "fog", "fold", "folk", "follow", "food", "foot", "forest", "forever", "forget", "fork",
    "form", "fortune", "forum", "forward", "fossil", "found", "fox", "frame", "free", "fresh",
    "friday", "friend", "frog", "front", "frost", "frozen", "fruit", "fuel", "fun", "funny",
    "fur", "future", "gadget", "galaxy", "gallery", "game", "garage", "garden", "garlic", "gas",
    "gate", "gather", "gear", "gem", "general", "gentle", "ghost", "giant", "gift", "ginger",
    "giraffe", "girl", "give", "glad", "glass", "globe", "glory", "glove", "glow", "goal",
    "goat", "gold", "golden", "golf", "good", "goose", "gospel", "grace", "grade", "grain",
    "grand", "grape", "graph", "grass", "gravity", "great", "green", "grid", "grill", "ground",
    "group", "grow", "guard", "guess", "guest", "guide", "guitar", "habit", "hair", "half",
    "hall", "hammer", "hand", "happy", "harbor", "hard", "harvest", "hat", "have", "hawk",
    "head", "health", "heart", "heat", "heavy", "hello", "help", "hero", "hidden", "high",
    "hill", "history", "hobby", "hockey", "hold", "hole", "holiday", "hollow", "home", "honey",
    "hood", "hope", "horn", "horse", "hospital", "host", "hot", "hotel", "hour", "house",
    "huge", "human", "humble", "humor", "hunger", "hunt", "hurry", "ice", "icon", "idea",
    "image", "impact", "import", "inch", "index", "indoor", "infant", "ink", "inner", "input",
    "insect", "inside", "invite", "iron", "island", "item", "ivory", "jacket", "jaguar", "jam",
    "jar", "jazz", "jeans", "jelly", "jewel", "job", "join", "joke", "journey", "joy",
    "judge", "juice", "jump", "jungle", "junior", "just", "kayak", "keen", "keep", "kettle",
    "key", "kick", "kid", "kind", "king", "kingdom", "kiss", "kitchen", "kite", "kitten",
    "knee", "knife", "knock", "know", "label", "labor", "lace", "ladder", "lady", "lake",
    "lamb", "lamp", "land", "lane", "laptop", "large", "laser", "last", "late", "laugh",
    "launch", "lava", "lawn", "layer", "lazy", "leader", "leaf", "learn", "leather", "leave",
    "lecture", "left", "legal", "legend", "lemon", "lend", "lens", "leopard", "lesson", "letter",
    "level", "liberty", "library", "life", "lift", "light", "like", "lily", "limit", "linen",
    "link", "lion", "liquid", "list", "listen", "little", "live", "lizard", "load", "loan",
    "lobby", "lobster", "local", "lock", "lodge", "logic", "lonely", "long", "loop", "lost",
    "loud", "lounge", "love", "lovely", "low", "loyal", "lucky", "lunar", "lunch", "luxury",
    "machine", "magic", "magnet", "maid", "mail", "main", "major", "make", "mango", "manual",
    "map", "maple", "marble", "march", "market", "mask", "master", "match", "math", "matter",
    "maybe", "meadow", "meal", "meat", "medal", "media", "melody", "melon", "member", "memory",
    "menu", "mercy", "merit", "message", "metal", "meter", "middle", "midnight", "mild", "milk",
    "mill", "mind", "minor", "minute", "mirror", "miss", "mist", "mix", "mobile", "model",
    "modern", "moment", "monday", "money", "monkey", "monster", "month", "mood", "moon", "moral",
    "more", "morning", "motion", "motor", "mountain", "mouse", "mouth", "move", "movie", "much",
    "mud", "muffin", "museum", "music", "mystery", "nail", "name", "narrow", "nation", "native",
    "nature", "near", "neck", "need", "needle", "neon", "nest", "net", "never", "new",
    "news", "next", "nice", "night", "nine", "noble", "noise", "noodle", "normal", "north",
    "nose", "note", "nothing", "notice", "novel", "now", "number", "nurse", "nut", "oasis",
    "object", "ocean", "october", "odd", "offer", "office", "often", "oil", "old", "olive",
    "omega", "onion", "online", "only", "open", "opera", "option", "orange", "orbit", "order",
    "organ", "origin", "other", "outdoor", "outer", "oven", "over", "owl", "owner", "oxygen",
    "pace", "pack", "paddle", "page", "paint", "pair", "palace", "palm", "panda", "panel",
    "panic", "paper", "parade", "parent", "park", "parrot", "party", "pass", "pasta", "patch",
    "path", "patio", "pause", "peace", "peach", "peanut", "pear", "pen", "pencil", "people",
    "pepper", "perfect", "permit", "person", "pet", "phone", "photo", "piano", "picnic", "picture",
    "pie", "piece", "pig", "pigeon", "pillow", "pilot", "pink", "pioneer", "pipe", "pirate",
    "pizza", "place", "plain", "planet", "plant", "plate", "play", "please", "plenty", "plot",
    "plum", "pocket", "poem", "poet", "point", "polar", "pole", "police", "pond", "pony",
    "pool", "poor", "popcorn", "popular", "portal", "post", "potato", "pottery", "powder", "power",
    "praise", "press", "pretty", "price", "pride", "prince", "print", "prize", "problem", "process",
    "produce", "profit", "promise", "proof", "proud", "public", "pull", "pulse", "pumpkin", "punch",
    "pupil", "puppy", "purple", "push", "puzzle", "pyramid", "quality", "quarter", "queen", "quest",
    "quick", "quiet", "quilt", "quiz", "rabbit", "race", "radar", "radio", "rail", "rain",
    "rainbow", "raise", "ranch", "range", "rapid", "rare", "raven", "raw", "razor", "reach",
    "read", "ready", "real", "reason", "rebel", "recipe", "record", "red", "reef", "region",
    "relax", "remote", "rent", "repair", "report", "rescue", "rest", "result", "retro", "return",
    "reward", "rhythm", "ribbon", "rice", "rich", "ride", "ridge", "right", "ring", "ripe",
    "rise", "risk", "river", "road", "roast", "robin", "robot", "rock", "rocket", "roof",
    "room", "root", "rope", "rose", "rough", "round", "route", "royal", "rubber", "ruby",
    "rule", "run", "rural", "rush", "sad", "saddle", "safe", "sail", "salad", "salmon",
    "salon", "salt", "same", "sample", "sand", "satin", "saturn", "sauce", "save", "say",
    "scale", "scarf", "scene", "school", "science", "scout", "screen", "sea", "search", "season",
    "seat", "second", "secret", "section", "seed", "select", "sell", "senior", "sense", "series",
    "serve", "seven", "shadow", "shake", "shape", "share", "shark", "sharp", "sheep", "shelf",
    "shell", "shelter", "shield", "shift", "shine", "ship", "shirt", "shoe", "shop", "shore",
    "short", "shout", "show", "shower", "shrimp", "shy", "sick", "side", "sign", "signal",
    "silent", "silk", "silver", "simple", "sing", "singer", "sister", "sit", "six", "size",
    "skate", "ski", "skill", "sky", "sleep", "slice", "slide", "slim", "slow", "small",
    "smart", "smile", "smoke", "smooth", "snack", "snake", "snow", "soap", "soccer", "social",
    "sock", "soda", "sofa", "soft", "solar", "soldier", "solid", "solo", "song", "soon",
    "sorry", "sound", "soup", "south", "space", "spare", "spark", "speak", "special", "speed",
    "spell", "spice", "spider", "spin", "spirit", "splash", "spoon", "sport", "spot", "spray",
    "spring", "square", "squid", "stable", "stadium", "staff", "stage", "stairs", "stamp", "stand",
    "star", "start", "state", "station", "stay", "steak", "steam", "steel", "step", "stick",
    "still", "stock", "stone", "stop", "store", "storm", "story", "stove", "straw", "street",
    "strong", "studio", "study", "style", "sugar", "suit", "summer", "sun", "sunday", "sunny",
    "sunset", "super", "supply", "sure", "surf", "surprise", "swamp", "swan", "sweet", "swift",
    "swim", "swing", "sword", "symbol", "table", "tail", "talent", "talk", "tall", "tango",
    "target", "taste", "taxi", "tea", "teach", "team", "tempo", "ten", "tennis", "tent",
    "term", "test", "text", "thank", "theater", "thin", "thing", "think", "third", "thunder",
    "ticket", "tiger", "timber", "time", "tiny", "tip", "title", "toast", "today", "toe",
    "together", "toilet", "tomato", "tomorrow", "tone", "tongue", "tool", "tooth", "top", "torch",
    "total", "touch", "tour", "tower", "town", "toy", "track", "trade", "traffic", "trail",
    "train", "travel", "tray", "treat", "tree", "trend", "trial", "tribe", "trick", "trip",
    "trophy", "truck", "true", "trumpet", "trust", "truth", "try", "tube", "tulip", "tuna",
    "tunnel", "turkey", "turn", "turtle", "twelve", "twenty", "twin", "two", "type", "uncle",
    "under", "unique", "unit", "until", "update", "upper", "urban", "usual", "valley", "value",
    "van", "vapor", "velvet", "venue", "verb", "very", "vessel", "victory", "video", "view",
    "village", "violet", "violin", "virus", "visit", "vital", "voice", "volcano", "vote", "voyage",
    "wagon", "wait", "wake", "walk", "wall", "walnut", "wander", "want", "warm", "warning",
    "wash", "watch", "water", "wave", "wax", "way", "wealth", "weather", "web", "wedding",
    "week", "welcome", "well", "west", "wet", "whale", "wheat", "wheel", "when", "whisper",
    "white", "whole", "wide", "wild", "will", "win", "wind", "window", "wine", "wing",
    "winner", "winter", "wire", "wisdom", "wise", "wish", "witch", "wolf", "woman", "wonder",
    "wood", "wool", "word", "work", "world", "worry", "worth", "wrap", "write", "yard",
    "year", "yellow", "yes", "yoga", "young", "youth", "zebra", "zero", "zone", "zoo"
};

// FNV-1a over the letters, then mixed: the held-out rule must not depend on anything but the word itself.
uint64_t word_hash(const std::string& w) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : w) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return mix64(h);
}

struct Lists {
  std::vector<std::string> all, train, heldout;
  std::unordered_set<std::string> known;
  Lists() {
    for (const char* w : kWords) {
      all.emplace_back(w);
      known.insert(w);
      (is_heldout_word(w) ? heldout : train).emplace_back(w);
    }
  }
};

const Lists& lists() {
  static const Lists l;
  return l;
}

}  // namespace

bool is_heldout_word(const std::string& word) { return word_hash(word) % 1000 < 150; }

const std::vector<std::string>& all_words() { return lists().all; }

const std::vector<std::string>& words(bool heldout) { return heldout ? lists().heldout : lists().train; }

bool is_known_word(const std::string& word) { return lists().known.count(word) > 0; }

}  // namespace varrl
