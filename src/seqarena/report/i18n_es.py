"""The report in Spanish: every English message id of the report (see report/i18n.py) and its
translation, with the same {fields}. A test checks that every message id the code passes to `tr` is
here, and that the Spanish report shows no English heading, caption or table header."""

from __future__ import annotations

MESSAGES: dict[str, str] = {
    # page and sections
    "seqarena report: {name}": "Informe de seqarena: {name}",
    "sections": "secciones",
    "The answer": "La respuesta",
    "Overview": "Resumen",
    "Results": "Resultados",
    "Per-class results": "Resultados por clase",
    "Learning curves": "Curvas de aprendizaje",
    "Accuracy against cost": "Exactitud frente a coste",
    "Scaling": "Escalado",
    "Gradient flow": "Flujo del gradiente",
    "Theory": "Teoría",
    "Probes": "Sondas",
    "Recommendation": "Recomendación",
    "Not measured in this run": "No medido en esta ejecución",
    "Can be added to this run directory: {items}.": "Se puede añadir a este directorio de ejecución: {items}.",
    "Table": "Tabla",
    "{n} rows": "{n} filas",
    # the answer
    "Nothing measured to recommend from yet: `seqarena compare --out DIR` measures the models.":
        "Aún no hay nada medido que recomendar: `seqarena compare --out DIR` mide los modelos.",
    "**Use {model} on {dataset}.** {why}.": "**Use {model} en {dataset}.** {why}.",
    "Limits of your own (latency, parameters, training time, an accuracy floor): "
    "`seqarena recommend RUN_DIR --max-latency-ms X --max-params N` chooses under them.":
        "Con límites propios (latencia, parámetros, tiempo de entrenamiento, una exactitud mínima), "
        "`seqarena recommend RUN_DIR --max-latency-ms X --max-params N` elige respetándolos.",
    # overview
    "Run directory `{path}`.": "Directorio de ejecución `{path}`.",
    "{device}, torch {torch}, {threads} thread(s), {cores} core(s)":
        "{device}, torch {torch}, {threads} hilo(s), {cores} núcleo(s)",
    "{n} result rows from `{source}`: datasets {datasets}; models {models}. Measured on {envs}. "
    "Wall times depend on the machine and its load.":
        "{n} filas de resultados de `{source}`: conjuntos de datos {datasets}; modelos {models}. Medido en "
        "{envs}. Los tiempos de reloj dependen de la máquina y de su carga.",
    "Analysis files: {files}.": "Archivos de análisis: {files}.",
    "none": "ninguno",
    "Note: {note}": "Nota: {note}",
    # results table
    "Results on {dataset}": "Resultados en {dataset}",
    "model": "modelo",
    "{metric} 95 % CI": "IC 95 % de {metric}",
    "vs best": "frente al mejor",
    "macro-F1": "F1 macro",
    "train time s": "tiempo de entrenamiento s",
    "latency ms (b=1)": "latencia ms (b=1)",
    "seq/s (b=256)": "sec/s (b=256)",
    "train acc": "exactitud entren.",
    "params": "parámetros",
    "runs": "ejecuciones",
    "run": "ejecución",
    "family": "familia",
    "best": "mejor",
    " (tie)": " (empate)",
    "significant": "significativa",
    "n.s.": "n.s.",
    "paired run": "ejecución pareada",
    "paired runs": "ejecuciones pareadas",
    "{diff} (not tested: {n} {runs})": "{diff} (sin prueba: {n} {runs})",
    "Mean ± sample std over runs (seeds × folds). 95 % CI: Student-t interval of the mean "
    "(needs 2+ runs). Best ({best}): the cheapest model (latency, then parameters, then "
    "training time) whose gap to the highest mean is inside the noise, i.e. the paired t-test "
    "does not reject it or it is under one test example; 'tie' marks the others inside it. "
    "'vs best': paired t-test of the best against each other model on the same seeds/folds, "
    "two-sided, 5 % level.":
        "Media ± desviación típica muestral sobre las ejecuciones (semillas × particiones). IC 95 %: "
        "intervalo t de Student de la media (necesita 2 o más ejecuciones). Mejor ({best}): el modelo más "
        "barato (latencia, después parámetros, después tiempo de entrenamiento) cuya distancia a la media "
        "más alta está dentro del ruido, es decir, la prueba t pareada no lo rechaza o la diferencia es "
        "menor que un ejemplo de prueba; «empate» marca los demás que están dentro. «frente al mejor»: "
        "prueba t pareada del mejor contra cada otro modelo en las mismas semillas/particiones, bilateral, "
        "nivel del 5 %.",
    "test": "prueba",
    "dev": "validación",
    "train": "entrenamiento",
    "{split} acc": "exact. de {split}",
    "{split} accuracy": "exactitud de {split}",
    # per class
    "(support)": "(soporte)",
    "Per-class F1 on {dataset} (test; mean over seeds x folds; support: test rows of one seed)":
        "F1 por clase en {dataset} (prueba; media sobre semillas × particiones; soporte: filas de prueba de "
        "una semilla)",
    # learning curves, accuracy against cost
    "Held-out accuracy after each epoch; the band is ± one std over runs when there are several.":
        "Exactitud en datos no vistos tras cada época; la banda es ± una desviación típica sobre las "
        "ejecuciones cuando hay varias.",
    "Filled markers joined by the dashed line form the Pareto front of each plot: no other "
    "model is both more accurate and cheaper on that axis. Hollow markers are dominated. "
    "Error bars: ± std over runs.":
        "Los marcadores rellenos unidos por la línea discontinua forman el frente de Pareto de cada gráfico: "
        "ningún otro modelo es a la vez más exacto y más barato en ese eje. Los marcadores huecos están "
        "dominados. Barras de error: ± desviación típica sobre las ejecuciones.",
    # analyses
    "Environment: {parts}.": "Entorno: {parts}.",
    "device": "dispositivo",
    "GPU": "GPU",
    "torch": "torch",
    "threads": "hilos",
    "cores": "núcleos",
    "The seed's comparison table, computed": "La tabla comparativa de la semilla, calculada",
    "The seed's comparison table, measured (✅ >= 0.9, ⚠️ >= 0.65, ❌ below; hardest level solved)":
        "La tabla comparativa de la semilla, medida (✅ >= 0,9, ⚠️ >= 0,65, ❌ por debajo; nivel más difícil "
        "resuelto)",
    "Scaling measurements": "Mediciones de escalado",
    "Other gradient measurements": "Otras mediciones del gradiente",
    "Gradient norm at the first and last input position":
        "Norma del gradiente en la primera y la última posición de entrada",
    "phase": "fase",
    "positions": "posiciones",
    "norm at first": "norma en la primera",
    "norm at last": "norma en la última",
    "first / last": "primera / última",
    "Computed properties per model": "Propiedades calculadas por modelo",
    "Test accuracy by difficulty": "Exactitud de prueba por dificultad",
    "Probe results": "Resultados de las sondas",
    "difficulty": "dificultad",
    "probe": "sonda",
    "dimension": "dimensión",
    # column names of the analysis tables (the keys of their rows, '_' read as ' ')
    "flops per token": "flops por token",
    "activation bytes": "bytes de activación",
    "receptive field": "campo receptivo",
    "sequential steps": "pasos secuenciales",
    "ngrams short": "n-gramas cortos",
    "seq len": "longitud de secuencia",
    "batch size": "tamaño de lote",
    "train step ms": "paso de entrenamiento ms",
    "forward ms": "pasada hacia delante ms",
    "throughput seq s": "rendimiento sec/s",
    "peak mem bytes": "memoria pico bytes",
    "test acc": "exactitud de prueba",
    "train loss": "pérdida de entrenamiento",
    "grad norm": "norma del gradiente",
    "params embedding": "parámetros de embedding",
    "flops total": "flops totales",
    "flops recurrent": "flops recurrentes",
    "flops counted": "flops contados",
    "flops check": "comprobación de flops",
    "receptive field rule": "regla del campo receptivo",
    "context": "contexto",
    "parallel over time": "paralelo en el tiempo",
    "ngrams": "n-gramas",
    "hparams": "hiperparámetros",
    "saved bytes": "bytes guardados",
    "mem method": "método de memoria",
    "status": "estado",
    "fwd ms": "pasada ms",
    "step ms": "paso ms",
    "level": "nivel",
    "solved": "resuelto",
    "score": "puntuación",
    "task": "tarea",
    "position": "posición",
    # recommendation
    "With no constraints; `seqarena recommend RUN_DIR --max-latency-ms X --max-params N "
    "--max-train-time-s S --min-accuracy A` chooses under yours.":
        "Sin restricciones; `seqarena recommend RUN_DIR --max-latency-ms X --max-params N "
        "--max-train-time-s S --min-accuracy A` elige con las suyas.",
    "Measured models on {dataset}": "Modelos medidos en {dataset}",
    "Measured models on {dataset} ({metric}; ★ = Pareto front, → = recommended)":
        "Modelos medidos en {dataset} ({metric}; ★ = frente de Pareto, → = recomendado)",
    "accuracy": "exactitud",
    "latency ms": "latencia ms",
    "Pareto front": "frente de Pareto",
    "meets constraints": "cumple las restricciones",
    "constraints": "restricciones",
    "met": "cumplidas",
    "yes": "sí",
    "no": "no",
    "latency": "latencia",
    "training time": "tiempo de entrenamiento",
    "{what} not measured": "{what} sin medir",
    "latency <=": "latencia <=",
    "params <=": "parámetros <=",
    "training time <=": "tiempo de entrenamiento <=",
    "accuracy >=": "exactitud >=",
    "no model has an accuracy": "ningún modelo tiene exactitud",
    "No measured model meets the constraints ({constraints}): {why}.":
        "Ningún modelo medido cumple las restricciones ({constraints}): {why}.",
    "{model} is recommended for {dataset}: ": "Se recomienda {model} para {dataset}: ",
    "{model} is recommended: ": "Se recomienda {model}: ",
    "{k} of {n} measured models meets the constraints ({constraints}), ":
        "{k} de {n} modelos medidos cumple las restricciones ({constraints}), ",
    "{k} of {n} measured models meet the constraints ({constraints}), ":
        "{k} de {n} modelos medidos cumplen las restricciones ({constraints}), ",
    # these two pieces are how the answer box cuts the first sentence out of the reason
    "), and ": "), y ",
    " among them": " entre ellos",
    "and {model} has the highest mean {metric} among them, {acc}, at {cost}.":
        "y {model} tiene la {metric} media más alta entre ellos, {acc}, con {cost}.",
    "and {model} is as good as the highest mean {metric} within the noise: {acc} against "
    "{top}'s {top_acc}, a gap of {gap}, {why}; of the models tied so, {model} is the "
    "cheapest, at {cost}{ratio}.":
        "y {model} es tan bueno como la {metric} media más alta dentro del ruido: {acc} frente a "
        "{top_acc} de {top}, una diferencia de {gap}, {why}; de los modelos así empatados, {model} es el "
        "más barato, con {cost}{ratio}.",
    "under one test example ({x})": "menor que un ejemplo de prueba ({x})",
    "inside the noise (paired t-test p = {p})": "dentro del ruido (prueba t pareada p = {p})",
    "inside the noise": "dentro del ruido",
    " ({x} x lower latency than {model})": " ({x} veces menos latencia que {model})",
    "Also tied within the noise (more costly): {models}.":
        "También empatados dentro del ruido (más costosos): {models}.",
    "With one run per model, accuracy differences are not tested for significance; "
    "more seeds would test them.":
        "Con una ejecución por modelo no se prueba la significación de las diferencias de exactitud; "
        "más semillas permitirían probarla.",
    "A paired t-test over few runs has little power: a tie says the runs cannot tell the "
    "models apart, not that they are equal.":
        "Una prueba t pareada sobre pocas ejecuciones tiene poca potencia: un empate dice que las "
        "ejecuciones no distinguen los modelos, no que sean iguales.",
    "Excluded: {models}.": "Excluidos: {models}.",
    "Pareto front (accuracy, latency, parameters, training time): {models}.":
        "Frente de Pareto (exactitud, latencia, parámetros, tiempo de entrenamiento): {models}.",
    "{acc} over {n} {runs}": "{acc} sobre {n} {runs}",
    "{x} ms latency": "{x} ms de latencia",
    "latency not measured": "latencia sin medir",
    "{x} parameters": "{x} parámetros",
    "parameters unknown": "parámetros desconocidos",
    "{x} s training": "{x} s de entrenamiento",
    "training time unknown": "tiempo de entrenamiento desconocido",
    # plots
    "epoch": "época",
    "{split} accuracy (fraction)": "exactitud de {split} (fracción)",
    "Learning curves on {dataset}": "Curvas de aprendizaje en {dataset}",
    "{metric} against epoch for each model on {dataset}": "{metric} frente a la época de cada modelo en {dataset}",
    "training time (s, optimisation only)": "tiempo de entrenamiento (s, solo optimización)",
    "parameters (count)": "parámetros (número)",
    "latency, batch 1 (ms)": "latencia, lote 1 (ms)",
    "on the Pareto front": "en el frente de Pareto",
    "dominated": "dominado",
    ", log scale": ", escala logarítmica",
    "accuracy (fraction)": "exactitud (fracción)",
    "Accuracy against {what} on {dataset}": "Exactitud frente a {what} en {dataset}",
    "mean accuracy against {what} on {dataset}; filled markers and the dashed line: Pareto front":
        "exactitud media frente a {what} en {dataset}; marcadores rellenos y línea discontinua: frente de "
        "Pareto",
    ", batch size {bs}": ", tamaño de lote {bs}",
    "sequence length T (tokens)": "longitud de secuencia T (tokens)",
    "batch size (sequences)": "tamaño de lote (secuencias)",
    "sequence length": "la longitud de secuencia",
    "{what} against {x}{fixed}": "{what} frente a {x}{fixed}",
    "{what} against {x}{fixed}, per model": "{what} frente a {x}{fixed}, por modelo",
    "training step time (ms)": "tiempo del paso de entrenamiento (ms)",
    "Training step time": "Tiempo del paso de entrenamiento",
    "forward pass time (ms)": "tiempo de la pasada hacia delante (ms)",
    "Forward pass time (the latency at batch 1)": "Tiempo de la pasada hacia delante (la latencia con lote 1)",
    "throughput (sequences/s)": "rendimiento (secuencias/s)",
    "Throughput": "Rendimiento",
    "peak memory (bytes)": "memoria pico (bytes)",
    "Peak memory": "Memoria pico",
    "input position t (tokens from the start)": "posición de entrada t (tokens desde el inicio)",
    "at initialisation": "en la inicialización",
    "after training": "tras el entrenamiento",
    "all stages": "todas las fases",
    "gradient norm against input position, {stage}, per model":
        "norma del gradiente frente a la posición de entrada, {stage}, por modelo",
    "difficulty (probe's knob)": "dificultad (el parámetro de la sonda)",
    "Probe: {probe}": "Sonda: {probe}",
    "accuracy against difficulty on probe {probe}": "exactitud frente a la dificultad en la sonda {probe}",
    "predicted class": "clase predicha",
    "true class": "clase real",
    "{model} on {dataset}: confusion (test)": "{model} en {dataset}: confusión (prueba)",
    "share of the true class": "proporción de la clase real",
    "confusion matrix of {model} on {dataset}: rows are true classes, columns predicted classes":
        "matriz de confusión de {model} en {dataset}: las filas son las clases reales, las columnas las "
        "predichas",
    # the tuning section (seqarena tune)
    "Tuning": "Ajuste",
    "dataset": "conjunto de datos",
    "Every model had the same budget: {budget}. Optuna's TPE sampler (seed {seed}) proposed configurations "
    "from each model's search space; {pruning}. Objective: dev {metric}. Trial 0 is the spec's own "
    "configuration where the space can express it. The test split was never evaluated during tuning; "
    "each model's chosen configuration was then re-run over {seeds} seed(s) and scored once on test (the "
    "results table).":
        "Cada modelo tuvo el mismo presupuesto: {budget}. El muestreador TPE de Optuna (semilla {seed}) propuso "
        "configuraciones del espacio de búsqueda de cada modelo; {pruning}. "
        "Objetivo: {metric} en dev. La prueba 0 es la configuración de la propia especificación donde el espacio "
        "puede expresarla. La partición de test nunca se evaluó durante el ajuste; después, la "
        "configuración elegida de cada modelo se reentrenó con {seeds} semilla(s) y se evaluó una sola vez en test (la "
        "tabla de resultados).",
    "successive halving stopped trials: past epochs 4, 12, ... only the best third of the trials "
    "that had reached that epoch went on":
        "la reducción sucesiva a la mitad (successive halving) detuvo pruebas: pasadas las épocas 4, 12, ... solo "
        "siguió el mejor tercio de las pruebas que habían llegado a esa época",
    "no trial was pruned": "no se podó ninguna prueba",
    "the median rule stopped trials whose dev score after an epoch was worse than the median of "
    "earlier trials there":
        "la regla de la mediana detuvo las pruebas cuya puntuación en dev tras una época fue peor que la mediana "
        "de las pruebas anteriores en esa época",
    "Expected validation performance: the expected best dev score of n trials drawn from the trials each "
    "study ran, ± one std (pruned trials count with the best dev score they reached).":
        "Rendimiento de validación esperado: la mejor puntuación en dev esperada de n pruebas extraídas de las "
        "que ejecutó cada estudio, ± una desviación típica (las pruebas podadas cuentan con la mejor puntuación "
        "en dev que alcanzaron).",
    "trials complete / pruned / failed": "pruebas completas / podadas / fallidas",
    "preset dev {unit}": "dev {unit} del preset",
    "best dev {unit}": "mejor dev {unit}",
    "preset test {unit}": "test {unit} del preset",
    "tuned test {unit}": "test {unit} ajustado",
    "nats/char": "nats/carácter",
    "nats/char (lower is better)": "nats/carácter (menos es mejor)",
    "tuned − preset": "ajustado − preset",
    "significant (paired)": "significativa (pareada)",
    "What tuning moved: dev scores of trial 0 (the preset) and of the best trial; test means over the final "
    "seeds (preset test: from --baseline, '-' without one)":
        "Lo que movió el ajuste: puntuaciones en dev de la prueba 0 (el preset) y de la mejor prueba; medias en "
        "test sobre las semillas finales (test del preset: de --baseline, '-' sin él)",
    "no trial completed: the preset's configuration": "ninguna prueba terminó: la configuración del preset",
    "(the preset's)": "(la del preset)",
    "(the preset's; the best trial had {changes})": "(la del preset; la mejor prueba tenía {changes})",
    "final runs use": "las ejecuciones finales usan",
    "configuration (preset → used)": "configuración (preset → usada)",
    "The configuration each model's final runs used, beside the preset's (keys of its search space)":
        "La configuración que usaron las ejecuciones finales de cada modelo, junto a la del preset (claves de su "
        "espacio de búsqueda)",
    "trial {n} (the best on dev)": "prueba {n} (la mejor en dev)",
    "trial {n} (the best on dev; not tested against the preset: {why})":
        "prueba {n} (la mejor en dev; no se comparó con el preset: {why})",
    "no complete preset trial": "ninguna prueba del preset completa",
    "no per-row dev outcomes stored": "no se guardaron resultados de dev por ejemplo",
    "its dev rows differ from the preset's": "sus filas de dev difieren de las del preset",
    "the preset (no trial beat it on dev)": "el preset (ninguna prueba lo superó en dev)",
    "the preset: trial {n}'s dev gain is within the noise (p {p})":
        "el preset: la ganancia en dev de la prueba {n} está dentro del ruido (p {p})",
    "trial {n}: better than the preset on dev (p {p})": "prueba {n}: mejor que el preset en dev (p {p})",
    "Which configuration the final runs use: the best trial replaced the preset's only where it was better on "
    "dev by a one-sided paired test over the dev examples (p < 0.05); otherwise the preset was "
    "kept, since the best of many trials is partly chosen for its dev noise (--select best takes the best "
    "trial as is).":
        "Qué configuración usan las ejecuciones finales: la mejor prueba sustituyó a la del preset solo donde fue "
        "mejor en dev según una prueba pareada unilateral sobre los ejemplos de dev (p < 0,05); si "
        "no, se mantuvo el preset, porque la mejor de muchas pruebas se elige en parte por su ruido en dev "
        "(--select best toma la mejor prueba tal cual).",
    "trials (tuning budget)": "pruebas (presupuesto de ajuste)",
    "expected best dev score": "mejor puntuación esperada en dev",
    "expected best dev nats/char (lower is better)": "mejores nats/carácter esperados en dev (menos es mejor)",
    "Expected validation performance on {dataset}": "Rendimiento de validación esperado en {dataset}",
    "expected best dev score against the number of trials for each model on {dataset}":
        "mejor puntuación esperada en dev frente al número de pruebas de cada modelo en {dataset}",
    "trial": "prueba",
    "dev score": "puntuación en dev",
    "dev nats/char (lower is better)": "nats/carácter en dev (menos es mejor)",
    "Trials on {dataset} (hollow: pruned)": "Pruebas en {dataset} (huecas: podadas)",
    "dev score of every trial against its number on {dataset}":
        "puntuación en dev de cada prueba frente a su número en {dataset}",
    " The ranking is after an equal tuning budget ({budget}): each model's best configuration on dev, re-run "
    "over the seeds and scored once on test.":
        " La clasificación es tras un presupuesto de ajuste igual ({budget}): la mejor configuración de cada "
        "modelo en dev, reentrenada con las semillas y evaluada una sola vez en test.",
    " The ranking is after an equal tuning budget ({budget}): each model's best trial on dev where it beat the "
    "preset's configuration beyond the dev noise (else the preset), re-run over the seeds and scored once on "
    "test.":
        " La clasificación es tras un presupuesto de ajuste igual ({budget}): la mejor prueba de cada modelo en "
        "dev donde superó a la configuración del preset más allá del ruido de dev (si no, el preset), "
        "reentrenada con las semillas y evaluada una sola vez en test.",
    "{n} trials or {m} minutes of trial time per model": "{n} pruebas o {m} minutos de tiempo de prueba por modelo",
    "{m} minutes of trial time per model": "{m} minutos de tiempo de prueba por modelo",
    "{n} trials per model": "{n} pruebas por modelo",
    # the language-model section (report.lm_section) and the LM plots
    "Language models": "Modelos de lenguaje",
    "{split} nats/char": "nats/carácter de {split}",
    "Nats per character: the negative log-likelihood of every character of the split, the stop token "
    "counted as one (as makemore), summed once and divided once; bits/char = nats/char / ln 2, "
    "perplexity = e^(nats/char). Lower is better. Each seed trains on the same split with other "
    "initial weights and batch order, so models pair per seed.":
        "Nats por carácter: la log-verosimilitud negativa de cada carácter de la partición, con el símbolo de "
        "fin contado como uno (como makemore), sumada una vez y dividida una vez; bits/carácter = "
        "nats/carácter / ln 2, perplejidad = e^(nats/carácter). Menos es mejor. Cada semilla entrena con la "
        "misma partición y otros pesos iniciales y otro orden de lotes, así que los modelos se emparejan por "
        "semilla.",
    "Dev nats/char after each epoch (the band: ± one std over seeds); the epoch with the "
    "lowest dev score is the one kept.":
        "Nats/carácter de validación tras cada época (la banda: ± una desviación típica entre semillas); se "
        "conserva la época con la puntuación de validación más baja.",
    "NLL of the test character at each position of a name: the first letter is a guess "
    "among many; a model that forgets what it read rises again further into the name "
    "(positions reached by fewer than 20 test names, and by under 10 % of them, are left "
    "out).":
        "NLL del carácter de prueba en cada posición de un nombre: la primera letra es una apuesta entre "
        "muchas; un modelo que olvida lo que leyó vuelve a subir más adentro del nombre (se omiten las "
        "posiciones a las que llegan menos de 20 nombres de prueba y menos del 10 % de ellos).",
    "Mean ± sample std over seeds. Best ({model}): the cheapest model whose gap to the lowest mean "
    "test nats/char is inside the noise of the paired t-test; 'vs best': this model minus the best, "
    "paired over seeds. ms per name: generating one name at batch 1.":
        "Media ± desviación típica muestral entre semillas. Mejor ({model}): el modelo más barato cuya "
        "distancia a la media más baja de nats/carácter de prueba queda dentro del ruido de la prueba t "
        "pareada; «frente al mejor»: este modelo menos el mejor, emparejados por semilla. ms por nombre: "
        "generar un nombre con lote 1.",
    "Language models on {dataset}": "Modelos de lenguaje en {dataset}",
    "samples (seed {seed})": "muestras (semilla {seed})",
    "Each model's first samples at temperature 1: (t) a training name, (h) a real name held out of "
    "training (dev or test), (new) in no split. Percentages over {n} samples.":
        "Las primeras muestras de cada modelo a temperatura 1: (t) un nombre de entrenamiento, (h) un nombre "
        "real apartado del entrenamiento (validación o prueba), (new) en ninguna partición. Porcentajes sobre "
        "{n} muestras.",
    "Samples on {dataset}": "Muestras en {dataset}",
    "test nats/char": "nats/carácter de prueba",
    "dev nats/char": "nats/carácter de validación",
    "train nats/char": "nats/carácter de entrenamiento",
    "test bits/char": "bits/carácter de prueba",
    "test perplexity": "perplejidad de prueba",
    "ms per name (b=1)": "ms por nombre (lote 1)",
    "% new": "% nuevos",
    "% unique": "% únicos",
    "% training": "% de entrenamiento",
    "% held-out real": "% reales apartados",
    "dev nats per character": "nats por carácter de validación",
    "dev nats per character against epoch for each language model on {dataset}":
        "nats por carácter de validación frente a la época para cada modelo de lenguaje en {dataset}",
    "character position in the name (0 = first letter)": "posición del carácter en el nombre (0 = primera letra)",
    "test NLL of that character (nats)": "NLL de prueba de ese carácter (nats)",
    "Where each model loses its memory ({dataset})": "Dónde pierde cada modelo la memoria ({dataset})",
    "test NLL per character position for each language model on {dataset}":
        "NLL de prueba por posición del carácter para cada modelo de lenguaje en {dataset}",
    "and {model} has the lowest mean {metric} among them, {acc}, at {cost}.":
        "y {model} tiene la {metric} media más baja entre ellos, {acc}, con {cost}.",
    "and {model} is as good as the lowest mean {metric} within the noise: {acc} against "
    "{top}'s {top_acc}, a gap of {gap}, {why}; of the models tied so, {model} is the "
    "cheapest, at {cost}{ratio}.":
        "y {model} es tan bueno como la {metric} media más baja dentro del ruido: {acc} frente a {top_acc} de "
        "{top}, una diferencia de {gap}, {why}; de los modelos así empatados, {model} es el más barato, con "
        "{cost}{ratio}.",
    "Pareto front (test nats/char, latency, parameters, training time): {models}.":
        "Frente de Pareto (nats/carácter de prueba, latencia, parámetros, tiempo de entrenamiento): {models}.",
    "Limits of your own (latency, parameters, training time): "
    "`seqarena recommend RUN_DIR --max-latency-ms X --max-params N` chooses under them.":
        "Límites propios (latencia, parámetros, tiempo de entrenamiento): "
        "`seqarena recommend RUN_DIR --max-latency-ms X --max-params N` elige bajo ellos.",
    "With no constraints; `seqarena recommend RUN_DIR --max-latency-ms X --max-params N "
    "--max-train-time-s S` chooses under yours.":
        "Sin restricciones; `seqarena recommend RUN_DIR --max-latency-ms X --max-params N "
        "--max-train-time-s S` elige bajo las suyas.",
    "95 % CI": "IC 95 %",
}
