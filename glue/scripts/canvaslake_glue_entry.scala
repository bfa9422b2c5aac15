// Canvas Lake on AWS Glue: the job's ScriptLocation.
//
// Glue runs Scala jobs by compiling the script at ScriptLocation and then calling main() of the class named by the
// --class job parameter. Our entry point, org.canvaslake.Main, is already compiled in the application jar that
// --extra-jars puts on the classpath, so this script deliberately defines nothing: all code lives in the jar, which
// is the same one spark-submit and EMR Serverless run. Upload this file next to the jar (see docs/deploy.md).
