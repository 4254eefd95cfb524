"""Short Simplified paragraphs and their Traditional forms, shared by the
reader and CLI tests (encodings are exercised with both scripts)."""

SIMPLIFIED = [
    "深入打好蓝天、碧水、净土保卫战，加强生态环境保护。",
    "强化大气污染协同控制，推进清洁能源替代，狠抓面源污染治理。",
    "持续推进入河排污口排查整治，加强土壤污染源头防控。",
]
TRADITIONAL = [
    "深入打好藍天、碧水、淨土保衛戰，加強生態環境保護。",
    "強化大氣污染協同控制，推進清潔能源替代，狠抓面源污染治理。",
    "持續推進入河排污口排查整治，加強土壤污染源頭防控。",
]
