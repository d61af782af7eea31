# Runs before the cmdlet assembly is imported (ScriptsToProcess): the engine and its third-party
# assemblies load in a private context from ./Dependencies (see DependencyLoadContext).
[MaasImages.Loader.DependencyLoadContext]::Register($PSScriptRoot)
